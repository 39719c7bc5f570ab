"""Reports UI: the dashboard with charts, the period report (page, PDF, DOCX), CSV/XLSX exports of every
table, CSV drill-downs to the rows behind every number, targets and API tokens, and the panel (with the
reporting-deadline reminder) on the home dashboard.

Every route is scoped like the rest of the product: the region, group, screen, campaign and theme in the URL
are looked up with `get_scoped_or_404`, so a district operator who edits a URL to another district's id gets
a 404 — in the pages, the exports and the drill-downs alike.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from reports import charts, document, periods, rows
from reports.forms import TargetForm, TokenForm
from reports.indicators import INDICATORS, Indicators, Scope, compute, headline
from reports.models import ApiToken, Target
from reports.tables import csv_stream, table_csv, xlsx_bytes
from reports.tokens import issue_token
from signage.extensions import db
from signage.forms import select_choices
from signage.models import Region, Screen, ScreenGroup
from signage.registry import add_nav, add_panel
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.themes import Theme, themes_for_region
from signage.timeutil import localnow, utcnow
from signage.views.auth import roles_required
from sms.models import Campaign

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

#: the dashboard shows this many rows of each table (a province has hundreds of screens); exports have all
TABLE_ROWS = 50


# ---------------------------------------------------------------- scope and period from the URL


def visible_theme(theme_id: int) -> Theme:
    """A theme the viewer may filter by: offered to their region, or owned inside their subtree."""
    theme = db.session.get(Theme, theme_id)
    if theme is None or not (current_user.can_see(theme.region) or theme.region.contains(current_user.region)):
        abort(404)
    return theme


def scope_from_request() -> Scope:
    args = request.args
    region = current_user.region
    if args.get("region"):
        region = get_scoped_or_404(Region, _int(args["region"]))
    kwargs = {}
    if args.get("theme"):
        kwargs["theme_id"] = visible_theme(_int(args["theme"])).id
    if args.get("group"):
        kwargs["group_id"] = get_scoped_or_404(ScreenGroup, _int(args["group"])).id
    if args.get("screen"):
        kwargs["screen_id"] = get_scoped_or_404(Screen, _int(args["screen"])).id
    if args.get("campaign"):
        kwargs["campaign_id"] = get_scoped_or_404(Campaign, _int(args["campaign"])).id
    return Scope(region, **kwargs)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(404)


def period_from_request() -> periods.Period:
    try:
        return periods.from_args(request.args, localnow().date())
    except periods.PeriodError:
        abort(400)


def drill_url(scope: Scope, period: periods.Period, spec: dict) -> str:
    """The CSV of the rows behind a number: the page's scope and period, narrowed by `spec`. Built without a
    url_for per number (a province's tables hold thousands of them)."""
    params = {**scope.query(), **period.query(), **{k: str(v) for k, v in spec.items() if k != "kind"}}
    bases = g.setdefault("reports_row_urls", {})
    if spec["kind"] not in bases:
        bases[spec["kind"]] = url_for("reports.rows_csv", kind=spec["kind"])
    return f"{bases[spec['kind']]}?{urlencode(params)}"


def _language() -> str:
    return str(get_locale() or "vi")


def chart_set(ind: Indicators) -> dict[str, Markup]:
    """The charts of the dashboard and the report; every bar, point and slice links to its rows."""
    scope, period = ind.scope, ind.period
    fmt = "%d/%m" if period.bucket == "day" else "%m/%Y"
    out = {}
    labels = [b.strftime(fmt) for b, _ in ind.series["airtime"]]
    out["airtime"] = charts.line(_("Hours played"), labels, {_("Hours played"): [v for _, v in ind.series["airtime"]]})
    by_theme = ind.tables["airtime_by_theme"]
    if by_theme.rows:
        out["themes"] = charts.bars(_("Share of airtime per theme (%)"), [r["theme"] for r in by_theme.rows[:10]],
                                    [r["share"] or 0 for r in by_theme.rows[:10]],
                                    [drill_url(scope, period, d["hours"]) for d in by_theme.drill[:10]],
                                    horizontal=True, colour="#6a1b9a")
    regions_t = ind.tables["regions"]
    if regions_t.rows:
        out["regions"] = charts.bars(_("Hours played per region"), [r["region"] for r in regions_t.rows],
                                     [r["hours"] for r in regions_t.rows],
                                     [drill_url(scope, period, d["hours"]) for d in regions_t.drill], horizontal=True)
    out["scans_hour"] = charts.bars(_("QR scans per hour of day"), [f"{h:02d}" for h, _ in ind.series["scans_hour"]],
                                    [n for _, n in ind.series["scans_hour"]],
                                    [drill_url(scope, period, d["scans"]) for d in ind.tables["scans_by_hour"].drill],
                                    colour="#e07b00")
    funnel = ind.tables["sms_funnel"]
    out["funnel"] = charts.bars(_("SMS funnel"), [str(r["step"]) for r in funnel.rows],
                                [abs(r["count"]) for r in funnel.rows],
                                [drill_url(scope, period, d["count"]) if d else None for d in funnel.drill],
                                horizontal=True, colour="#2e7d32")
    trend = ind.series["optins"]
    out["optins"] = charts.line(_("Opt-ins and opt-outs"), [b.strftime(fmt) for b, _, _ in trend],
                                {_("Opt-ins"): [i for _, i, _ in trend], _("Opt-outs"): [o for _, _, o in trend]})
    return out


def _compute() -> Indicators:
    return compute(scope_from_request(), period_from_request(), utcnow())


def _filters(scope: Scope) -> dict:
    """Choices for the dashboard's filter bar (only what the viewer may see)."""
    return {
        "regions": scoped_regions(),
        "themes": themes_for_region(current_user.region) + list(db.session.scalars(
            scoped_select(Theme).where(Theme.region_id != current_user.region_id))),
        "groups": list(db.session.scalars(scoped_select(ScreenGroup).order_by(ScreenGroup.name))),
        "screens": list(db.session.scalars(scoped_select(Screen).order_by(Screen.name))),
        "campaigns": list(db.session.scalars(scoped_select(Campaign).order_by(Campaign.id.desc()).limit(200))),
    }


# ---------------------------------------------------------------- pages


@bp.route("/")
@login_required
def dashboard():
    ind = _compute()
    return render_template("reports/dashboard.html", ind=ind, charts=chart_set(ind), filters=_filters(ind.scope),
                           drill=lambda spec: drill_url(ind.scope, ind.period, spec), indicators=INDICATORS,
                           deadlines=_deadlines(), today=localnow().date(), TABLE_ROWS=TABLE_ROWS)


def _render_report(ind: Indicators, *, printable: bool) -> str:
    doc = document.build(ind, chart_set(ind), localnow().date(), _language())
    return render_template("reports/report.html", doc=doc, ind=ind, printable=printable, cell=document.cell_text,
                           drill=lambda spec: drill_url(ind.scope, ind.period, spec))


@bp.route("/report")
@login_required
def report():
    return _render_report(_compute(), printable=False)


def _filename(ind: Indicators, ext: str) -> str:
    p = ind.period
    return f"bao-cao-{ind.scope.region.code}-{p.start:%Y%m%d}-{p.end:%Y%m%d}.{ext}".lower()


def _attachment(body: bytes | str, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/report.pdf")
@login_required
def report_pdf():
    ind = _compute()
    html = _render_report(ind, printable=True)
    return _attachment(document.pdf_bytes(html, request.url_root), "application/pdf", _filename(ind, "pdf"))


@bp.route("/report.docx")
@login_required
def report_docx():
    ind = _compute()
    doc = document.build(ind, {}, localnow().date(), _language())
    return _attachment(document.docx_bytes(doc),
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       _filename(ind, "docx"))


@bp.route("/export/<key>.<fmt>")
@login_required
def export(key: str, fmt: str):
    ind = _compute()
    if fmt not in ("csv", "xlsx") or (key not in ind.tables and not (key == "all" and fmt == "xlsx")):
        abort(404)
    tables = list(ind.tables.values()) if key == "all" else [ind.tables[key]]
    name = f"{key}-{ind.scope.region.code}-{ind.period.start:%Y%m%d}-{ind.period.end:%Y%m%d}.{fmt}".lower()
    if fmt == "csv":
        return _attachment(table_csv(tables[0]), "text/csv; charset=utf-8", name)
    return _attachment(xlsx_bytes(tables), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name)


@bp.route("/rows/<kind>.csv")
@login_required
def rows_csv(kind: str):
    """The raw rows behind a number (plays, scans, messages, intervals, opt-ins), as CSV."""
    if kind not in rows.KINDS:
        abort(404)
    scope, period = scope_from_request(), period_from_request()
    header, chunks = rows.KINDS[kind](scope, period, request.args)
    name = f"{kind}-{scope.region.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv".lower()
    return Response(stream_with_context(csv_stream(header, chunks)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------- targets


@bp.route("/targets", methods=["GET", "POST"])
@roles_required("approver")
def targets():
    form = TargetForm()
    form.region_id.choices = select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())
    form.indicator.choices = select_choices((k, label) for k, (label, _d) in INDICATORS.items())
    form.theme_id.choices = select_choices([(0, _l("All themes"))] + [
        (t.id, t.name()) for t in themes_for_region(current_user.region)])
    if form.validate_on_submit():
        try:
            period = periods.from_args(form.period_args(), localnow().date())
        except periods.PeriodError:
            form.year.errors.append(_("This period does not exist."))
        else:
            target = Target(region_id=require_region_in_scope(form.region_id.data).id, indicator=form.indicator.data,
                            period_start=period.start, period_end=period.end, theme_id=form.theme_id.data or None,
                            value=form.value.data, created_by_id=current_user.id)
            db.session.add(target)
            db.session.commit()
            flash(_("Target saved."), "success")
            return redirect(url_for(".targets"))
    listed = list(db.session.scalars(scoped_select(Target).order_by(Target.period_start.desc(), Target.indicator)))
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(
        Theme.id.in_([t.theme_id for t in listed if t.theme_id])))}
    return render_template("reports/targets.html", form=form, targets=listed, indicators=INDICATORS, themes=themes)


@bp.route("/targets/<int:target_id>/delete", methods=["POST"])
@roles_required("approver")
def target_delete(target_id: int):
    db.session.delete(get_scoped_or_404(Target, target_id))
    db.session.commit()
    flash(_("Target deleted."), "success")
    return redirect(url_for(".targets"))


# ---------------------------------------------------------------- API tokens


@bp.route("/tokens", methods=["GET", "POST"])
@roles_required("admin")
def tokens():
    form = TokenForm()
    form.region_id.choices = select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())
    new_token = None
    if form.validate_on_submit():
        region = require_region_in_scope(form.region_id.data)
        new_token = issue_token(form.name.data.strip(), region, current_user.id)
        db.session.commit()
        flash(_("Token created. Copy it now: it is shown only once."), "success")
    listed = list(db.session.scalars(scoped_select(ApiToken).order_by(ApiToken.created_at.desc())))
    return render_template("reports/tokens.html", form=form, tokens=listed, new_token=new_token)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required("admin")
def token_revoke(token_id: int):
    token = get_scoped_or_404(ApiToken, token_id)
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for(".tokens"))


# ---------------------------------------------------------------- the home dashboard panel


def _deadlines() -> list[periods.Deadline]:
    cfg = current_app.config
    return periods.upcoming(cfg["REPORTS_DEADLINES"], localnow().date(), cfg["REPORTS_REMIND_DAYS"])


def dashboard_panel():
    """This month so far, and the reporting deadlines coming up."""
    if not current_user.is_authenticated:
        return _l("Reports"), Markup("")
    today = localnow().date()
    period = periods.month(today.year, today.month)
    figures = headline(current_user.region, period, utcnow())
    html = render_template("reports/_panel.html", figures=figures, deadlines=_deadlines(), today=today)
    return _l("Reports"), Markup(html)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav(app, "reports.dashboard", _l("Reports"), group="admin", order=0)
    add_nav(app, "reports.targets", _l("Report targets"), roles=("approver",), group="admin")
    add_nav(app, "reports.tokens", _l("Reports API tokens"), roles=("admin",), group="admin")
    add_panel(app, "dashboard", dashboard_panel)


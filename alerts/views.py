"""The operators' alert pages (`/alerts/`): the list, raising an alert of each level, approving (confirming) a
waiting one, cancelling, each alert's live board, and the admins' rules page; plus the dashboard widget.

Who may do what:
- an emergency: admins and approvers (RAISE_ROLES) raise and cancel it; it goes on air at once unless its
  region wants a second person (`AlertRegionRule.two_person`), who then confirms it on its page;
- an urgent announcement or a correction: any signed-in user submits it; an approver other than the submitter
  approves it (`signage.approval`: four eyes) and it goes on air for its set time; approvers cancel it;
- the submitter may withdraw what still waits; everyone sees the alerts of their region subtree.
Every change goes through `alerts.service`.

The live board (`/alerts/<id>`, refreshed from `/alerts/<id>/live` every 2 s) shows what other packages add
through `signage.registry.add_panel(app, "alert", panel)`: `panel(alert)` gets a dict of plain data — `id`,
`level`, `screen_ids` (the screens the alert reaches), `started_at`, `ended` — and returns html-safe markup
(players: each screen acknowledged / not yet / offline; sms: the SMS progress). `alerts` imports neither.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from alerts import rules, service
from alerts.forms import (
    END_REASON_LABELS,
    LEVEL_LABELS,
    MATCH_LABELS,
    SEVERITY_LABELS,
    AlertForm,
    AreaMappingForm,
    RegionRuleForm,
    SmsRuleForm,
    alert_form,
)
from alerts.models import AlertRegionRule, CapAreaMapping, CapSmsRule, EmergencyAlert, Level
from alerts.service import AlertError, approve_alert, cancel_alert, raise_alert, reject_alert
from signage.approval_views import Review, add_review_routes
from signage.extensions import db
from signage.forms import select_choices
from signage.languages import native_names
from signage.models import Region, Screen, ScreenGroup
from signage.registry import panels
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.timeutil import utcnow

#: Roles that may raise and cancel an emergency alert, and cancel any alert (admins always may).
RAISE_ROLES = ("approver",)

bp = Blueprint("alerts", __name__, url_prefix="/alerts", template_folder="templates", static_folder="static")


def _may_raise() -> bool:
    return current_user.has_role(*RAISE_ROLES)


def _region_choices():
    return select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())


def _alert_form(level: str) -> AlertForm:
    form = alert_form()
    regions = _region_choices()
    form.region_id.choices = form.target_regions.choices = form.sms_regions.choices = regions
    groups = db.session.scalars(scoped_select(ScreenGroup).order_by(ScreenGroup.name))
    form.target_groups.choices = select_choices((g.id, g.name) for g in groups)
    screens = db.session.scalars(scoped_select(Screen).where(Screen.retired_at.is_(None)).order_by(Screen.name))
    form.target_screens.choices = select_choices((s.id, f"{s.name} ({s.region.name})") for s in screens)
    if request.method == "GET":
        form.region_id.data = current_user.region_id
        form.level.data = level
        if rules.is_official(level):
            form.duration_min.data = current_app.config["ALERTS_ANNOUNCEMENT_MINUTES"]
    return form


@bp.route("/")
@login_required
def index():
    alerts = list(db.session.scalars(
        scoped_select(EmergencyAlert).order_by(EmergencyAlert.created_at.desc()).limit(200)))
    now = utcnow()
    return render_template(
        "alerts/index.html", active=[a for a in alerts if a.on_air(now)],
        waiting=[a for a in alerts if a.pending and not a.ended],
        past=[a for a in alerts if not a.on_air(now) and not (a.pending and not a.ended)][:100],
        may_raise=_may_raise(), severities=SEVERITY_LABELS, levels=LEVEL_LABELS, language_names=native_names(),
        reasons=END_REASON_LABELS, areas=_areas(alerts),
    )


def _areas(alerts: list[EmergencyAlert]) -> dict[int, list[str]]:
    """Where each alert went (its target regions, groups and screens, by name): the history lists a Phan Thiết
    alert under Phan Thiết, not under the province that raised it. An alert without targets reaches its whole
    region, so that region is its area."""
    wanted = {model: set() for model in (Region, ScreenGroup, Screen)}
    for a in alerts:
        wanted[Region].update(a.target_region_ids or [])
        wanted[ScreenGroup].update(a.target_group_ids or [])
        wanted[Screen].update(a.target_screen_ids or [])
    names = {model: dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())
             for model, ids in wanted.items() if ids}
    out = {}
    for a in alerts:
        where = [names.get(model, {}).get(i, f"#{i}") for model, ids in (
            (Region, a.target_region_ids), (ScreenGroup, a.target_group_ids), (Screen, a.target_screen_ids))
            for i in ids or []]
        out[a.id] = where or [a.region.name]
    return out


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    level = request.values.get("level", Level.EMERGENCY.value)
    if level not in LEVEL_LABELS:
        abort(400)
    if level == Level.EMERGENCY.value and not _may_raise():
        abort(403)
    form = _alert_form(level)
    if form.validate_on_submit():
        return _raise(form, level)
    status = 400 if request.method == "POST" else 200
    return render_template("alerts/form.html", form=form, level=level, levels=LEVEL_LABELS), status


def _raise(form: AlertForm, level: str):
    def refuse(field, message):
        field.errors.append(message)
        return render_template("alerts/form.html", form=form, level=level, levels=LEVEL_LABELS), 400

    if not form.confirm.data:
        return refuse(form.confirm, _("Tick the confirmation to go on."))
    owner = require_region_in_scope(form.region_id.data)
    target_regions = [require_region_in_scope(rid) for rid in form.target_regions.data or []]
    sms_regions = [require_region_in_scope(rid) for rid in form.sms_regions.data or []]
    target_groups = [get_scoped_or_404(ScreenGroup, gid).id for gid in form.target_groups.data or []]
    target_screens = [get_scoped_or_404(Screen, sid).id for sid in form.target_screens.data or []]
    if not all(owner.contains(r) for r in target_regions):
        return refuse(form.target_regions, _("Target regions must lie inside the region raising the alert."))
    if not all(owner.contains(r) for r in sms_regions):
        return refuse(form.sms_regions, _("SMS regions must lie inside the region raising the alert."))
    messages = {code: getattr(form, f"message_{code}").data or "" for code in form.language_codes}
    minutes = form.duration_min.data
    try:
        alert = raise_alert(
            level=level, region_id=owner.id, messages=messages,
            severity=form.severity.data if level == Level.EMERGENCY.value else "moderate",
            target_region_ids=[r.id for r in target_regions], target_screen_ids=target_screens,
            target_group_ids=target_groups, sms_region_ids=[r.id for r in sms_regions],
            send_sms=form.send_sms.data, duration_s=minutes * 60 if minutes else None,
            created_by_id=current_user.id,
        )
    except AlertError as exc:
        field = form.duration_min if exc.code == "duration_required" else form.message_vi
        return refuse(field, str(exc))
    if alert.pending:
        flash(_("Submitted: it goes on air when a second person approves it."), "success")
    else:
        flash(_("Emergency alert raised: the targeted screens show it within seconds."), "success")
    return redirect(url_for("alerts.show", alert_id=alert.id))


def _board_data(alert: EmergencyAlert) -> dict:
    return {"id": alert.id, "level": alert.level, "screen_ids": sorted(service.screen_ids(alert)),
            "started_at": alert.started_at, "ended": alert.ended}


def _panels(alert: EmergencyAlert) -> list:
    data = _board_data(alert)
    return [panel(data) for panel in panels("alert")]


@bp.route("/<int:alert_id>")
@login_required
def show(alert_id: int):
    alert = get_scoped_or_404(EmergencyAlert, alert_id)
    may_approve = alert.pending and not alert.ended and current_user.has_role("approver")
    return render_template("alerts/show.html", alert=alert, board=_panels(alert), levels=LEVEL_LABELS,
                           severities=SEVERITY_LABELS, language_names=native_names(), may_approve=may_approve,
                           may_cancel=_may_cancel(alert), regions=_region_names(alert), reasons=END_REASON_LABELS)


@bp.route("/<int:alert_id>/live")
@login_required
def live(alert_id: int):
    alert = get_scoped_or_404(EmergencyAlert, alert_id)
    return render_template("alerts/_live.html", alert=alert, board=_panels(alert))


def _region_names(alert: EmergencyAlert) -> dict[str, list[str]]:
    ids = set(alert.target_region_ids or []) | set(alert.sms_region_ids or [])
    names = dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}
    return {"targets": [names.get(i, str(i)) for i in alert.target_region_ids or []],
            "sms": [names.get(i, str(i)) for i in alert.sms_region_ids or []]}


def _may_cancel(alert: EmergencyAlert) -> bool:
    if alert.ended:
        return False
    own_waiting = alert.pending and alert.submitted_by_id == current_user.id
    return _may_raise() or own_waiting


@bp.post("/<int:alert_id>/cancel")
@login_required
def cancel(alert_id: int):
    alert = get_scoped_or_404(EmergencyAlert, alert_id)
    if not _may_cancel(alert):
        abort(403)
    was_on_air = alert.started_at is not None
    report = cancel_alert(alert, current_user.id)
    if report is None:
        flash(_("This alert had already ended."), "info")
    elif not was_on_air:
        flash(_("Withdrawn: it will not go on air."), "success")
    else:
        flash(_("Alert cancelled: the screens resume their schedule."), "success")
        if report.get("sms_stopped") or report.get("sms_sent"):
            flash(_("SMS: %(stopped)d not sent yet were stopped; %(sent)d had already gone out.",
                    stopped=report.get("sms_stopped", 0), sent=report.get("sms_sent", 0)), "info")
    return redirect(url_for("alerts.show", alert_id=alert.id))


add_review_routes(bp, Review(
    model=EmergencyAlert, id_name="alert_id", page="alerts.show", index="alerts.index", approve=approve_alert,
    reject=reject_alert, deletable=False, actions=("approve", "reject")))


# ---------------------------------------------------------------- the admins' rules


def _require_admin() -> None:
    if not current_user.has_role("admin"):
        abort(403)


@bp.route("/rules", methods=["GET", "POST"])
@login_required
def rules_page():
    _require_admin()
    area_form, sms_form, region_form = AreaMappingForm(prefix="area"), SmsRuleForm(prefix="sms"), \
        RegionRuleForm(prefix="rule")
    regions = _region_choices()
    area_form.region_id.choices = region_form.region_id.choices = regions
    sms_form.region_id.choices = [(0, _("Anywhere")), *regions]
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        form = {"area": area_form, "sms": sms_form, "rule": region_form}.get(action)
        if form is None:
            abort(400)
        if form.validate_on_submit():
            _save_rule(action, form)
            return redirect(url_for("alerts.rules_page"))
        status = 400
    scope = current_user.region.path
    areas = db.session.scalars(select(CapAreaMapping).join(Region).where(Region.path.startswith(scope))
                               .order_by(CapAreaMapping.match, CapAreaMapping.value)).all()
    sms_rules = db.session.scalars(select(CapSmsRule).outerjoin(Region).order_by(CapSmsRule.id)).all()
    region_rules = db.session.scalars(select(AlertRegionRule).join(Region).where(Region.path.startswith(scope))
                                      .order_by(Region.path)).all()
    return render_template("alerts/rules.html", area_form=area_form, sms_form=sms_form, region_form=region_form,
                           areas=areas, sms_rules=sms_rules, region_rules=region_rules, matches=MATCH_LABELS,
                           severities=SEVERITY_LABELS), status


def _save_rule(action: str, form) -> None:
    if action == "area":
        region = require_region_in_scope(form.region_id.data)
        value = form.value.data.strip()
        row = db.session.scalar(select(CapAreaMapping).where(CapAreaMapping.match == form.match.data,
                                                             CapAreaMapping.value == value))
        row = row or CapAreaMapping(match=form.match.data, value=value)
        row.region_id = region.id
        db.session.add(row)
    elif action == "sms":
        region_id = form.region_id.data or None
        if region_id is not None:
            require_region_in_scope(region_id)
        db.session.add(CapSmsRule(severity=form.severity.data, region_id=region_id, send_sms=form.send_sms.data))
    else:
        region = require_region_in_scope(form.region_id.data)
        row = db.session.get(AlertRegionRule, region.id) or AlertRegionRule(region_id=region.id)
        row.two_person = form.two_person.data
        db.session.add(row)
    db.session.commit()
    flash(_("Saved."), "success")


@bp.post("/rules/<kind>/<int:row_id>/delete")
@login_required
def rule_delete(kind: str, row_id: int):
    _require_admin()
    model = {"area": CapAreaMapping, "sms": CapSmsRule, "rule": AlertRegionRule}.get(kind) or abort(404)
    row = db.session.get(model, row_id) or abort(404)
    region = getattr(row, "region", None)
    if region is not None and not current_user.can_see(region):
        abort(404)
    db.session.delete(row)
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for("alerts.rules_page"))


# ---------------------------------------------------------------- dashboard and approvals


def dashboard_widget():
    if not current_user.is_authenticated:
        return _("Alerts"), Markup("")
    count = len(db.session.scalars(scoped_select(EmergencyAlert).where(
        service.on_air_query(utcnow()).whereclause)).all())
    return _("Alerts"), Markup(render_template("alerts/_widget.html", count=count))


def approval_queue() -> list[dict]:
    """Alerts waiting for a second person, for the approvers' page."""
    if not current_user.is_authenticated:
        return []
    waiting = db.session.scalars(scoped_select(EmergencyAlert).where(service.waiting_query().whereclause)).all()
    return [{"kind": str(LEVEL_LABELS.get(a.level, a.level)), "title": a.message("vi")[:80],
             "submitted_at": a.submitted_at,
             "submitted_by": (a.submitted_by.display_name or a.submitted_by.username) if a.submitted_by else "",
             "url": url_for("alerts.show", alert_id=a.id)} for a in waiting]


def init_app(app: Flask) -> None:
    from signage.approval import register_queue
    from signage.registry import add_nav, add_panel

    app.register_blueprint(bp)
    add_nav(app, "alerts.index", _l("Alerts"), group="alerts")
    add_nav(app, "alerts.rules_page", _l("Alert rules"), roles=("admin",), group="alerts")
    add_panel(app, "dashboard", dashboard_widget)
    register_queue(app, approval_queue)

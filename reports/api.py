"""The read-only JSON API of the indicators, for the province's own portal:
`GET /api/reports/v1/indicators?period=year&year=2026[&region=CODE][&theme=ID][&group=ID][&screen=ID][&campaign=ID]`
with `Authorization: Bearer <token>` (tokens: Quản trị → Reports API tokens). A token reads its region's
subtree only: anything outside it is a 404, exactly as for an operator. The numbers are those of the
dashboard and the period report (reports.indicators.compute)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Flask, abort, jsonify, request
from sqlalchemy import select

from reports import periods
from reports.indicators import Scope, compute
from reports.tokens import authenticate
from signage.extensions import csrf, db
from signage.models import Region, Screen, ScreenGroup
from signage.themes import Theme
from signage.timeutil import localnow, utcnow
from sms.models import Campaign

bp = Blueprint("reports_api", __name__, url_prefix="/api/reports/v1")
csrf.exempt(bp)


def _json(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return str(value)


def _in(root: Region, model, ident: str | None, *, region_attr: str = "region_id"):
    if not ident:
        return None
    try:
        obj = db.session.get(model, int(ident))
    except ValueError:
        obj = None
    if obj is None or not root.contains(db.session.get(Region, getattr(obj, region_attr))):
        abort(404)
    return obj


@bp.get("/indicators")
def indicators():
    token = authenticate()
    if token is None:
        return jsonify(error="a valid bearer token is required"), 401, {"WWW-Authenticate": "Bearer"}
    root, args = token.region, request.args
    region = root
    if args.get("region"):
        region = db.session.scalar(select(Region).where(Region.code == args["region"]))
        if region is None or not root.contains(region):
            abort(404)
    theme = None
    if args.get("theme"):
        theme = db.session.get(Theme, int(args["theme"])) if args["theme"].isdigit() else None
        if theme is None or not (root.contains(theme.region) or theme.region.contains(root)):
            abort(404)
    group, screen = _in(root, ScreenGroup, args.get("group")), _in(root, Screen, args.get("screen"))
    campaign = _in(root, Campaign, args.get("campaign"))
    try:
        period = periods.from_args(args, localnow().date())
    except periods.PeriodError as exc:
        return jsonify(error="bad period", code=exc.code), 400
    scope = Scope(region, theme.id if theme else None, group.id if group else None, screen.id if screen else None,
                  campaign.id if campaign else None)
    ind = compute(scope, period, utcnow())
    return jsonify(
        period={"kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat(),
                "label": period.label("en")},
        region={"code": region.code, "name": region.name},
        filters={k: v for k, v in scope.query().items() if k != "region"},
        rolled_up_through=_json(ind.rolled_through), currency=ind.currency,
        summary={k: _json(v) for k, v in ind.summary.items()},
        tables={key: {"title": str(t.title), "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind}
                                                          for c in t.columns],
                      "rows": [{c.key: _json(row.get(c.key)) for c in t.columns} for row in t.rows]}
                for key, t in ind.tables.items()},
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

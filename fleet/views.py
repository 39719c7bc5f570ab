"""The operators' fleet pages (`/fleet/`): every screen of the operator's region subtree with its state, last
contact, what it shows, player version and open incidents (filters; `fleet.js` polls `/fleet/state.json`
and updates the table in place), and the incidents (list, page, acknowledge / note / resolve — every change
through fleet.service, audited by signage.audit). Scoped with signage.scoping like every view."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Flask, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from fleet import service
from fleet.forms import RULE_LABELS, RuleForm, TechnicianForm
from fleet.labels import CAUSE_LABELS, STATUS_LABELS
from fleet.models import FleetRule, Incident, Notification, Technician
from fleet.rules import CAUSES, RULE_FIELDS
from players import captures
from players.status import screen_statuses
from signage.extensions import db
from signage.models import Region, Screen, User
from signage.registry import add_nav, add_panel
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.timeutil import local_tz, localnow, utcnow

bp = Blueprint("fleet", __name__, url_prefix="/fleet", template_folder="templates", static_folder="static")

STATES = ("online", "offline", "never", "incident")
POLL_S = 15
#: The ledger's statuses (fleet.models.Notification) on the incident page.
NOTICE_STATUSES = {
    "sending": _l("sending"), "sent": _l("sent"), "failed": _l("failed, to be retried"),
    "refused": _l("refused by the gateway"), "unknown": _l("unknown, not sent again"),
}
ERRORS = {
    "not_open": _l("This incident was acknowledged or closed already."),
    "closed": _l("This incident is closed already."),
    "empty_note": _l("Write a note first."),
}


@bp.before_request
@login_required
def _signed_in():
    return None


def _filters() -> dict:
    region_id = request.args.get("region", type=int)
    state = request.args.get("state", "")
    return {"region": region_id, "state": state if state in STATES else "", "q": request.args.get("q", "").strip()}


def _fleet_rows(filters: dict) -> list[dict]:
    query = scoped_select(Screen).where(Screen.retired_at.is_(None)).order_by(Region.path, Screen.name)
    if filters["region"]:
        region = get_scoped_or_404(Region, filters["region"])
        query = query.where(Region.path.startswith(region.path))
    if filters["q"]:
        query = query.where(Screen.name.ilike(f"%{filters['q']}%"))
    screens = list(db.session.scalars(query))
    incidents = defaultdict(list)
    for incident in db.session.scalars(select(Incident).where(
            Incident.active.is_(True), Incident.screen_id.in_([s.id for s in screens])).order_by(Incident.opened_at)):
        incidents[incident.screen_id].append(incident)
    shots = captures.latest_ids([s.id for s in screens])  # what the glass showed, captured by the player
    rows = []
    for status in screen_statuses(screens):
        screen = status["screen"]
        state = "online" if status["online"] else ("offline" if status["last_seen"] else "never")
        shot = shots.get(screen.id)
        row = {
            "id": screen.id, "name": screen.name, "region": screen.region.name, "state": state,
            "last_seen": status["last_seen"].strftime("%d/%m %H:%M:%S") if status["last_seen"] else "",
            # else the server's render of the item the player says it plays, labelled as such
            "thumbnail": url_for("player_health.capture_image", screen_id=screen.id, capture_id=shot) if shot
            else status["thumbnail"] or "",
            "thumbnail_kind": "capture" if shot else ("render" if status["thumbnail"] else ""),
            "playing": status["playing_name"], "version": status["app_version"],
            "incidents": [{"id": i.id, "cause": i.cause, "label": str(CAUSE_LABELS[i.cause]),
                           "url": url_for("fleet.incident", incident_id=i.id)} for i in incidents[screen.id]],
        }
        if filters["state"] == "incident" and not row["incidents"]:
            continue
        if filters["state"] in ("online", "offline", "never") and row["state"] != filters["state"]:
            continue
        rows.append(row)
    return rows


@bp.get("/")
def index():
    filters = _filters()
    # `?every=N` seconds between two refreshes (a wall display may want it slower, a technician faster)
    every_s = min(max(request.args.get("every", POLL_S, type=int), 1), 600)
    return render_template("fleet/index.html", rows=_fleet_rows(filters), filters=filters,
                           regions=scoped_regions(), labels=_state_labels(), poll_ms=every_s * 1000)


@bp.get("/state.json")
def state():
    labels = {k: str(v) for k, v in _state_labels().items()}
    # the time in the controller's zone, named: a browser's own zone may differ from the province's
    now = localnow()
    updated = _("Updated at %(time)s (%(zone)s)", time=now.strftime("%H:%M:%S"), zone=local_tz().key)
    return jsonify({"at": utcnow().isoformat(), "updated": updated, "rows": _fleet_rows(_filters()), "labels": labels})


def _state_labels() -> dict:
    return {"online": _l("online"), "offline": _l("offline"), "never": _l("never seen"),
            "capture": _l("captured by the player"), "render": _l("server render")}


@bp.get("/incidents")
def incidents():
    status = request.args.get("status", "active")
    cause = request.args.get("cause", "")
    query = scoped_select(Incident).order_by(Incident.opened_at.desc())
    if status == "active":
        query = query.where(Incident.active.is_(True))
    elif status in STATUS_LABELS:
        query = query.where(Incident.status == status)
    if cause in CAUSES:
        query = query.where(Incident.cause == cause)
    # technicians of the regions above the operator's are told too: any technician texted counts
    texted = db.session.scalar(select(Technician.id).where(Technician.active.is_(True),
                                                           Technician.notify_sms.is_(True)).limit(1))
    return render_template("fleet/incidents.html", incidents=list(db.session.scalars(query.limit(500))),
                           status=status, cause=cause, causes=CAUSE_LABELS, statuses=STATUS_LABELS,
                           email_configured=bool(current_app.config["SMTP_HOST"]), sms_technicians=texted is not None)


@bp.get("/incidents/<int:incident_id>")
def incident(incident_id: int):
    row = get_scoped_or_404(Incident, incident_id)
    notices = db.session.scalars(select(Notification).where(Notification.incident_id == row.id)
                                 .order_by(Notification.id)).all()
    return render_template("fleet/incident.html", incident=row, causes=CAUSE_LABELS, statuses=STATUS_LABELS,
                           notices=notices, notice_statuses=NOTICE_STATUSES)


@bp.post("/incidents/<int:incident_id>/<action>")
def change(incident_id: int, action: str):
    incident = get_scoped_or_404(Incident, incident_id)
    try:
        if action == "acknowledge":
            service.acknowledge(incident, current_user, utcnow())
        elif action == "resolve":
            service.resolve(incident, current_user, utcnow())
        elif action == "note":
            service.add_note(incident, current_user, request.form.get("text", ""), utcnow())
        else:
            abort(404)
    except service.IncidentError as exc:
        flash(str(ERRORS.get(exc.code, exc.code)), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("fleet.incident", incident_id=incident_id))


# ---------------------------------------------------------------- the admins' page: technicians and rules


def _require_admin() -> None:
    if not current_user.has_role("admin"):
        abort(403)


def _region_choices() -> list[tuple[int, str]]:
    return [(r.id, "— " * r.depth + r.name) for r in scoped_regions()]


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    _require_admin()
    tech_form, rule_form = TechnicianForm(prefix="tech"), RuleForm(prefix="rule")
    tech_form.region_id.choices = rule_form.region_id.choices = _region_choices()
    tech_form.user_id.choices = [(u.id, u.username) for u in db.session.scalars(
        scoped_select(User).where(User.active.is_(True)).order_by(User.username))]
    status = 200
    if request.method == "POST":
        form = {"tech": tech_form, "rule": rule_form}.get(request.form.get("action")) or abort(400)
        if form.validate_on_submit():
            _save_technician(tech_form) if form is tech_form else _save_rule(rule_form)
            flash(_("Saved."), "success")
            return redirect(url_for("fleet.setup"))
        status = 400
    technicians = db.session.scalars(scoped_select(Technician).order_by(Region.path, Technician.id)).all()
    overrides = db.session.scalars(scoped_select(FleetRule).order_by(Region.path)).all()
    effective = service.rules_by_region()
    return render_template("fleet/setup.html", tech_form=tech_form, rule_form=rule_form, technicians=technicians,
                           overrides=overrides, effective=effective, rule_labels=RULE_LABELS,
                           defaults=service.default_rules()), status


def _save_technician(form: TechnicianForm) -> None:
    region = require_region_in_scope(form.region_id.data)
    user = get_scoped_or_404(User, form.user_id.data)
    row = db.session.scalar(select(Technician).where(Technician.user_id == user.id,
                                                      Technician.region_id == region.id))
    row = row or Technician(user_id=user.id, region_id=region.id)
    row.email, row.phone, row.active = (form.email.data or "").strip(), (form.phone.data or "").strip(), True
    row.notify_sms = form.notify_sms.data
    db.session.add(row)
    db.session.commit()


def _save_rule(form: RuleForm) -> None:
    region = require_region_in_scope(form.region_id.data)
    row = db.session.get(FleetRule, region.id) or FleetRule(region_id=region.id)
    for name in RULE_FIELDS:
        setattr(row, name, getattr(form, name).data)  # empty: inherited from the region above
    db.session.add(row)
    db.session.commit()


@bp.post("/setup/<kind>/<int:row_id>/delete")
def setup_delete(kind: str, row_id: int):
    _require_admin()
    model = {"tech": Technician, "rule": FleetRule}.get(kind) or abort(404)
    db.session.delete(get_scoped_or_404(model, row_id))
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for("fleet.setup"))


def screen_panel(screen: Screen) -> Markup:
    """The screen page's health history: its latest incidents, open and closed (the screen is in scope:
    the page that asks checked it)."""
    recent = list(db.session.scalars(select(Incident).where(Incident.screen_id == screen.id)
                                     .order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(10)))
    return Markup(render_template("fleet/_screen_panel.html", incidents=recent, causes=CAUSE_LABELS,
                                  statuses=STATUS_LABELS))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_panel(app, "screen", screen_panel)
    add_nav(app, "fleet.index", _l("Fleet"), group="screens", order=25)
    add_nav(app, "fleet.incidents", _l("Incidents"), group="screens", order=26)
    add_nav(app, "fleet.setup", _l("Technicians & incident rules"), roles=("admin",), group="admin")

"""Emergency alerts: raise/cancel (operator UI, audited) and the players' fast path.

Players poll `GET /api/player/v1/alerts` every ~2 s. The answer's ETag is the screen id plus one global
alert version kept in Redis, so an unchanged poll costs the token check and one Redis read. Raising or
cancelling an alert, or changing screens/groups while one is active, bumps the version; the body for a
screen is then computed once from the database and cached in Redis under that version.
"""

from __future__ import annotations

import json
import time

from blinker import Namespace
from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from redis.exceptions import RedisError
from sqlalchemy import select
from wtforms import BooleanField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from players.alert_models import EmergencyAlert, Severity
from players.auth import bearer_token, cached_screen_id, screen_id_from_db, token_hash, token_key
from players.fastpath import token_from_environ
from signage.extensions import db
from signage.forms import CONTENT_LANGUAGES, select_choices
from signage.models import Region, Screen, ScreenGroup
from signage.redis_client import get_redis, redis_from_url
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.screens_service import resolve_group
from signage.signals import screen_group_changed, screens_changed
from signage.timeutil import utcnow

VERSION_KEY = "player:alerts:version"
ALERTS_PATH = "/api/player/v1/alerts"
SCREEN_BODY_KEY = "player:alerts:screen:{}"
#: Roles that may raise and cancel an emergency alert (admins always may).
RAISE_ROLES = ("approver",)

_signals = Namespace()
#: sender: the app; kwargs: alert_id — sent after an alert is committed (e.g. the SMS package may broadcast).
alert_raised = _signals.signal("alert-raised")
#: sender: the app; kwargs: alert_id.
alert_cancelled = _signals.signal("alert-cancelled")

SEVERITY_LABELS = {
    Severity.EXTREME.value: _l("Extreme — danger to life"),
    Severity.SEVERE.value: _l("Severe"),
    Severity.MODERATE.value: _l("Moderate"),
}

# ---------------------------------------------------------------- version and targeting


def current_version() -> int:
    """The global alert version; seeded from the clock so a flushed Redis never repeats an old ETag."""
    redis = get_redis()
    value = redis.get(VERSION_KEY)
    if value is None:
        redis.set(VERSION_KEY, int(time.time() * 1000), nx=True)
        value = redis.get(VERSION_KEY)
    return int(value)


def bump_version() -> int:
    current_version()
    return int(get_redis().incr(VERSION_KEY))


def active_alerts() -> list[EmergencyAlert]:
    query = select(EmergencyAlert).where(EmergencyAlert.cancelled_at.is_(None)).order_by(EmergencyAlert.started_at)
    return list(db.session.scalars(query))


def targets_screen(alert: EmergencyAlert, screen: Screen) -> bool:
    if screen.retired:
        return False
    if screen.id in (alert.target_screen_ids or []):
        return True
    region_ids = list(alert.target_region_ids or [])
    if not region_ids and not alert.target_screen_ids and not alert.target_group_ids:
        region_ids = [alert.region_id]
    for region_id in region_ids:
        region = db.session.get(Region, region_id)
        if region is not None and region.contains(screen.region):
            return True
    for group_id in alert.target_group_ids or []:
        group = db.session.get(ScreenGroup, group_id)
        if group is not None and any(s.id == screen.id for s in resolve_group(group)):
            return True
    return False


def alerts_for_screen(screen: Screen) -> list[EmergencyAlert]:
    return [a for a in active_alerts() if targets_screen(a, screen)]


def alert_json(alert: EmergencyAlert) -> dict:
    return {
        "id": alert.id,
        "severity": alert.severity,
        "messages": {lang: text for lang, text in alert.messages.items() if text},
        "started_at": alert.started_at.isoformat(),
    }


def screen_body(screen_id: int, version: int) -> bytes:
    """The JSON answer for a screen at `version` (from Redis when already built for that version)."""
    redis = get_redis()
    key = SCREEN_BODY_KEY.format(screen_id)
    cached = redis.get(key)
    if cached is not None:
        stored_version, _sep, body = cached.partition(b"\n")
        if stored_version == str(version).encode():
            return body
    screen = db.session.get(Screen, screen_id)
    alerts = alerts_for_screen(screen) if screen is not None else []
    poll_s = float(current_app.config.get("PLAYER_ALERT_POLL_S", 2))
    body = json.dumps({"alerts": [alert_json(a) for a in alerts], "version": str(version), "poll_s": poll_s}).encode()
    redis.set(key, str(version).encode() + b"\n" + body, ex=3600)
    return body


# ---------------------------------------------------------------- raise and cancel


class AlertError(ValueError):
    """The alert cannot be raised as asked (message is shown to the user)."""


def raise_alert(
    *, region_id: int, messages: dict[str, str], severity: str = Severity.SEVERE.value,
    target_region_ids: list[int] | None = None, target_screen_ids: list[int] | None = None,
    target_group_ids: list[int] | None = None, created_by_id: int | None = None,
    source: str = "operator", cap_reference: str | None = None,
) -> EmergencyAlert:
    """Create, commit and announce an alert (the audit log records who raised it)."""
    messages = {lang: text.strip() for lang, text in messages.items() if text and text.strip()}
    if not messages.get("vi"):
        raise AlertError(_("The Vietnamese message is required."))
    if severity not in {s.value for s in Severity}:
        raise AlertError(_("Unknown severity."))
    alert = EmergencyAlert(
        region_id=region_id, messages=messages, severity=severity,
        target_region_ids=sorted(set(target_region_ids or [])),
        target_screen_ids=sorted(set(target_screen_ids or [])),
        target_group_ids=sorted(set(target_group_ids or [])),
        created_by_id=created_by_id, started_at=utcnow(), source=source, cap_reference=cap_reference,
    )
    db.session.add(alert)
    db.session.commit()
    bump_version()
    alert_raised.send(current_app._get_current_object(), alert_id=alert.id)
    return alert


def cancel_alert(alert: EmergencyAlert, cancelled_by_id: int | None = None) -> None:
    if alert.cancelled_at is not None:
        return
    alert.cancelled_at = utcnow()
    alert.cancelled_by_id = cancelled_by_id
    db.session.commit()
    bump_version()
    alert_cancelled.send(current_app._get_current_object(), alert_id=alert.id)


def _on_screens_changed(sender, **kwargs) -> None:
    """Screen or group changes can change who an active alert covers."""
    if db.session.scalar(select(EmergencyAlert.id).where(EmergencyAlert.cancelled_at.is_(None)).limit(1)):
        bump_version()


# ---------------------------------------------------------------- player fast path

api_bp = Blueprint("player_alerts", __name__)


@api_bp.get(ALERTS_PATH)
def player_alerts():
    token = bearer_token()
    if token is None:
        return {"error": "unpaired"}, 401
    digest = token_hash(token)
    raw_screen, raw_version = get_redis().mget(token_key(digest), VERSION_KEY)  # one round trip when unchanged
    screen_id = cached_screen_id(raw_screen)
    if screen_id is None:
        screen_id = screen_id_from_db(digest)
    if not screen_id:
        return {"error": "unpaired"}, 401
    version = int(raw_version) if raw_version is not None else current_version()
    etag = f"a{screen_id}-{version}"
    headers = {"Cache-Control": "no-cache", "ETag": f'"{etag}"'}
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    return Response(screen_body(screen_id, version), mimetype="application/json", headers=headers)


class AlertsNotModified:
    """WSGI middleware: an unchanged alert poll gets its 304 from one Redis MGET, before Flask's request
    handling (no session, CSRF or rate-limit work). Anything else falls through to `player_alerts`."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        tag = environ.get("HTTP_IF_NONE_MATCH", "").strip().strip('"')
        if environ.get("PATH_INFO") == ALERTS_PATH and environ.get("REQUEST_METHOD") == "GET" and tag[:1] == "a":
            try:
                if self._current(tag, token_from_environ(environ)):
                    start_response("304 NOT MODIFIED", [("ETag", f'"{tag}"'), ("Cache-Control", "no-cache")])
                    return []
            except RedisError:
                pass  # the view answers with the app's error handling
        return self.wsgi_app(environ, start_response)

    def _current(self, tag: str, token: str | None) -> bool:
        screen, _sep, version = tag[1:].partition("-")
        if token is None or not screen.isdigit() or not version.isdigit():
            return False
        ext = self.app.extensions
        if "redis" not in ext:  # the client get_redis() hands out
            ext["redis"] = redis_from_url(self.app.config["REDIS_URL"])
        raw_screen, raw_version = ext["redis"].mget(token_key(token_hash(token)), VERSION_KEY)
        return cached_screen_id(raw_screen) == int(screen) and raw_version == version.encode()


# ---------------------------------------------------------------- operator UI

ui_bp = Blueprint("alerts", __name__, url_prefix="/alerts", template_folder="templates")


class AlertForm(FlaskForm):
    region_id = SelectField(_l("Raised for region"), coerce=int, validators=[DataRequired()])
    severity = SelectField(_l("Severity"), choices=select_choices(SEVERITY_LABELS.items()),
                           default=Severity.SEVERE.value)
    message_vi = TextAreaField(_l("Message (Vietnamese)"), validators=[DataRequired(), Length(max=500)])
    message_en = TextAreaField(_l("Message (English)"), validators=[Optional(), Length(max=500)])
    message_ru = TextAreaField(_l("Message (Russian)"), validators=[Optional(), Length(max=500)])
    message_zh = TextAreaField(_l("Message (Chinese)"), validators=[Optional(), Length(max=500)])
    message_ko = TextAreaField(_l("Message (Korean)"), validators=[Optional(), Length(max=500)])
    target_regions = SelectMultipleField(_l("Regions (every screen inside)"), coerce=int)
    target_groups = SelectMultipleField(_l("Screen groups"), coerce=int)
    target_screens = SelectMultipleField(_l("Single screens"), coerce=int)
    send_sms = BooleanField(_l("Also send this text by SMS to every contact in the targeted regions"))
    confirm = BooleanField(_l("I confirm this is a real emergency: every targeted screen switches to it now."),
                           validators=[DataRequired()])


def _may_raise() -> bool:
    return current_user.has_role(*RAISE_ROLES)


def _alert_form() -> AlertForm:
    form = AlertForm()
    regions = select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())
    form.region_id.choices = regions
    form.target_regions.choices = regions
    groups = db.session.scalars(scoped_select(ScreenGroup).order_by(ScreenGroup.name))
    form.target_groups.choices = select_choices((g.id, g.name) for g in groups)
    screens = db.session.scalars(scoped_select(Screen).where(Screen.retired_at.is_(None)).order_by(Screen.name))
    form.target_screens.choices = select_choices((s.id, f"{s.name} ({s.region.name})") for s in screens)
    if request.method == "GET":
        form.region_id.data = current_user.region_id
    return form


@ui_bp.route("/")
@login_required
def index():
    alerts = list(db.session.scalars(
        scoped_select(EmergencyAlert).order_by(EmergencyAlert.started_at.desc()).limit(100)
    ))
    return render_template(
        "alerts/index.html", active=[a for a in alerts if a.active], past=[a for a in alerts if not a.active],
        may_raise=_may_raise(), severities=SEVERITY_LABELS, languages=dict(CONTENT_LANGUAGES),
    )


@ui_bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not _may_raise():
        abort(403)
    form = _alert_form()
    if form.validate_on_submit():
        owner = require_region_in_scope(form.region_id.data)
        target_regions = [require_region_in_scope(rid).id for rid in form.target_regions.data or []]
        target_groups = [get_scoped_or_404(ScreenGroup, gid).id for gid in form.target_groups.data or []]
        target_screens = [get_scoped_or_404(Screen, sid).id for sid in form.target_screens.data or []]
        for region in (db.session.get(Region, rid) for rid in target_regions):
            if not owner.contains(region):
                form.target_regions.errors.append(_("Target regions must lie inside the region raising the alert."))
                return render_template("alerts/form.html", form=form), 400
        messages = {code: getattr(form, f"message_{code}").data or "" for code, _label in CONTENT_LANGUAGES}
        try:
            alert = raise_alert(
                region_id=owner.id, messages=messages, severity=form.severity.data,
                target_region_ids=target_regions, target_screen_ids=target_screens,
                target_group_ids=target_groups, created_by_id=current_user.id,
            )
        except AlertError as exc:
            form.message_vi.errors.append(str(exc))
            return render_template("alerts/form.html", form=form), 400
        flash(_("Emergency alert raised: the targeted screens show it within seconds."), "success")
        if form.send_sms.data:
            _send_alert_sms(alert, target_regions or [owner.id])
        return redirect(url_for("alerts.index", _anchor=f"alert-{alert.id}"))
    return render_template("alerts/form.html", form=form), 400 if request.method == "POST" else 200


def _send_alert_sms(alert: EmergencyAlert, region_ids: list[int]) -> None:
    """Start one emergency SMS campaign per targeted region (exempt from the advertising rules, never
    from an emergency opt-out)."""
    from sms.broadcast import send_emergency

    started = [
        send_emergency(region_id, alert.messages, name=f"{_('Emergency alert')} #{alert.id}", user_id=current_user.id)
        for region_id in region_ids
    ]
    flash(_("Emergency SMS started: %(count)d campaign(s).", count=len(started)), "success")


@ui_bp.post("/<int:alert_id>/cancel")
@login_required
def cancel(alert_id: int):
    if not _may_raise():
        abort(403)
    alert = get_scoped_or_404(EmergencyAlert, alert_id)
    cancel_alert(alert, current_user.id)
    flash(_("Emergency alert cancelled: the screens resume their schedule."), "success")
    return redirect(url_for("alerts.index"))


def _dashboard_widget():
    if not current_user.is_authenticated:
        return _("Emergency alerts"), Markup("")
    count = len(list(db.session.scalars(scoped_select(EmergencyAlert).where(EmergencyAlert.cancelled_at.is_(None)))))
    return _("Emergency alerts"), Markup(render_template("alerts/_widget.html", count=count))


def init_app(app: Flask) -> None:
    import os

    from players import alert_cap
    from signage import add_nav

    app.config.setdefault("PLAYER_ALERT_POLL_S", float(os.environ.get("PLAYER_ALERT_POLL_S", "2")))
    app.register_blueprint(api_bp)
    app.register_blueprint(ui_bp)
    app.wsgi_app = AlertsNotModified(app.wsgi_app, app)
    alert_cap.init_app(app)
    add_nav(app, "alerts.index", _l("Emergency alerts"))
    app.extensions.setdefault("signage_dashboard_widgets", []).append(_dashboard_widget)
    screens_changed.connect(_on_screens_changed, app, weak=False)
    screen_group_changed.connect(_on_screens_changed, app, weak=False)

"""Operator side of looking after a screen in the field: its captures (what the glass showed, from the
player), remote commands and blank hours — a card on the screen's page (`add_panel(app, "screen", ...)`)
and the routes behind it — and the blank hours page (`/players/blank-hours?region=<id>`): every dark period
that applies in a region (set on it, inherited from above, set below it on a region or a screen), added and
removed there for a whole region.

Scoped like every operator view: the screen (or region) comes through `get_scoped_or_404` /
`require_region_in_scope`, so a district operator who edits an id in a URL or a form gets 404 (a screen or
capture) or 403 (a region), never another district's data. Commands and blank hours are audited through
their models (signage.audit)."""

from __future__ import annotations

from datetime import time

from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Regexp

from players import captures, commands, status
from players.models import BlankHours, Capture, Command
from players.views import _screen_page
from signage.extensions import db
from signage.forms import FlaskForm
from signage.models import Region, Screen
from signage.registry import add_nav, add_panel
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions
from signage.timeutil import local_tz, utcnow

bp = Blueprint("player_health", __name__, url_prefix="/players", template_folder="templates")

HHMM = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message=_l("Use HH:MM, e.g. 22:00."))
COMMAND_LABELS = {
    "reload": _l("Reload the player"), "clear_cache": _l("Clear the cache and download again"),
    "identify": _l("Identify (name and number on the glass for 30 s)"), "capture": _l("Capture now"),
}


class CommandForm(FlaskForm):
    kind = SelectField(choices=list(commands.KINDS), validators=[DataRequired()])


class BlankHoursForm(FlaskForm):
    starts = StringField(_l("Dark from"), validators=[DataRequired(), HHMM], default="22:00")
    ends = StringField(_l("until"), validators=[DataRequired(), HHMM], default="05:00")


def _time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@bp.post("/screens/<int:screen_id>/commands")
@login_required
def send_command(screen_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    form = CommandForm(prefix="command")
    if not form.validate_on_submit():
        abort(400)
    commands.send(screen, form.kind.data, current_user.id)
    flash(_("Sent to the player: %(command)s. It acts within a few seconds.",
            command=COMMAND_LABELS[form.kind.data]), "success")
    return _screen_page(screen)


@bp.get("/screens/<int:screen_id>/captures/<int:capture_id>.jpg")
@login_required
def capture_image(screen_id: int, capture_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    capture = db.session.get(Capture, capture_id)
    if capture is None or capture.screen_id != screen.id:
        abort(404)
    response = Response(capture.jpeg, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _add_blank_hours(form: BlankHoursForm, **target) -> bool:
    if not form.validate_on_submit():
        flash(_("Blank hours not saved: use HH:MM for both times, e.g. 22:00 and 05:00."), "error")
        return False
    if form.starts.data == form.ends.data:
        flash(_("Blank hours not saved: the start and the end are the same."), "error")
        return False
    commands.set_blank_hours(starts=_time(form.starts.data), ends=_time(form.ends.data), user_id=current_user.id,
                             **target)
    flash(_("Blank hours saved; the players concerned go dark during them."), "success")
    return True


@bp.post("/screens/<int:screen_id>/blank-hours")
@login_required
def screen_blank_hours(screen_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    _add_blank_hours(BlankHoursForm(prefix="blank"), screen=screen)
    return _screen_page(screen)


@bp.post("/regions/<int:region_id>/blank-hours/from-screen/<int:screen_id>")
@login_required
def region_blank_hours(region_id: int, screen_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    region = require_region_in_scope(region_id)
    _add_blank_hours(BlankHoursForm(prefix="blank"), region=region)
    return _screen_page(screen)


def _remove_blank_hours(rule_id: int) -> BlankHours:
    """Remove a rule the operator may change: its screen or region in their scope (404 otherwise, as for any
    record of another district)."""
    rule = db.session.get(BlankHours, rule_id)
    if rule is None:
        abort(404)
    if rule.screen_id is not None:
        get_scoped_or_404(Screen, rule.screen_id)
    else:
        get_scoped_or_404(Region, rule.region_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token
        abort(400)
    commands.delete_blank_hours(rule)
    flash(_("Blank hours removed."), "success")
    return rule


@bp.post("/blank-hours/<int:rule_id>/delete/from-screen/<int:screen_id>")
@login_required
def delete_blank_hours(rule_id: int, screen_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    _remove_blank_hours(rule_id)
    return _screen_page(screen)


def _blank_hours_page(region_id: int):
    return redirect(url_for("player_health.blank_hours", region=region_id))


@bp.get("/blank-hours")
@login_required
def blank_hours():
    """The blank hours that apply in a region of the operator's (default: the whole of their scope)."""
    region = require_region_in_scope(request.args.get("region", type=int) or current_user.region_id)
    applying = commands.region_rules(region)
    below = commands.rules_below(region)
    return render_template("players/blank_hours.html", region=region, regions=scoped_regions(),
                           applying=applying, below=below,
                           form=BlankHoursForm(prefix="blank"), screen_count=len(commands.screens_under(region)))


@bp.post("/blank-hours")
@login_required
def add_region_blank_hours():
    region = require_region_in_scope(request.form.get("region", type=int))
    _add_blank_hours(BlankHoursForm(prefix="blank"), region=region)
    return _blank_hours_page(region.id)


@bp.post("/blank-hours/<int:rule_id>/delete")
@login_required
def remove_blank_hours(rule_id: int):
    back = db.session.get(Region, request.form.get("region", type=int) or current_user.region_id)
    _remove_blank_hours(rule_id)
    in_scope = back is not None and current_user.region.contains(back)
    return _blank_hours_page(back.id if in_scope else current_user.region_id)


def _local(value):
    return value.astimezone(local_tz()) if value else None


def health_panel(screen: Screen) -> Markup:
    """The screen page's card: the latest capture (labelled as the player's), the last 24 h, remote
    commands and blank hours."""
    now = utcnow()
    shots = captures.recent(screen.id, now)
    render = None
    if not shots:  # no capture yet: the server's render of what the player says it plays, labelled so
        row = status.screen_statuses([screen])[0]
        render = row["thumbnail"]
    sent = db.session.scalars(select(Command).where(Command.screen_id == screen.id)
                              .order_by(Command.id.desc()).limit(5)).all()
    region = db.session.get(Region, screen.region_id)
    rules = commands.blank_rules(screen)
    return Markup(render_template(
        "players/_health_panel.html", screen=screen, shots=shots, latest=shots[0] if shots else None,
        render=render, sent=sent, labels=COMMAND_LABELS, kinds=commands.KINDS, rules=rules, region=region,
        command_form=CommandForm(prefix="command"), blank_form=BlankHoursForm(prefix="blank"), local=_local,
        retention_h=current_app.config["PLAYER_CAPTURE_RETENTION_H"],
    ))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_panel(app, "screen", health_panel)
    add_nav(app, "player_health.blank_hours", _l("Blank hours"), group="screens", order=27)

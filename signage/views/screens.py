"""Screens: list, the screen's page, create, edit, retire — always inside the user's region subtree.

The screen's page shows what the core knows (details, edit, retire) and the panels packages above register
for it (`signage.registry.add_panel(app, "screen", ...)`: the schedule's default playlist and calendar, the
player's pairing, status and proof of play)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from signage.extensions import db
from signage.forms import KIND_LABELS, ScreenForm, select_choices, split_tags
from signage.models import Region, Screen
from signage.registry import panels
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.screens_service import DuplicateScreenName, save_screen
from signage.signals import screens_changed
from signage.timeutil import utcnow

bp = Blueprint("screens", __name__, url_prefix="/screens")


def _region_choices() -> list[SelectChoice]:
    return select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())


@bp.route("/")
@login_required
def index():
    show_retired = request.args.get("retired") == "1"
    query = scoped_select(Screen).options(joinedload(Screen.region))
    if not show_retired:
        query = query.where(Screen.retired_at.is_(None))
    tag = request.args.get("tag", "").strip().lower()
    screens = [s for s in db.session.scalars(query.order_by(Region.path, Screen.name)) if not tag or tag in s.tags]
    return render_template(
        "screens/index.html", screens=screens, kinds=KIND_LABELS, show_retired=show_retired, tag=tag
    )


def _fill(screen: Screen, form: ScreenForm) -> None:
    screen.name = form.name.data.strip()
    screen.region_id = require_region_in_scope(form.region_id.data).id
    screen.kind = form.kind.data
    screen.width, screen.height = form.width.data, form.height.data
    screen.orientation = form.orientation.data
    screen.languages = form.languages.data or ["vi"]
    screen.tags = split_tags(form.tags.data or "")
    screen.organisation = (form.organisation.data or "").strip()
    screen.location = (form.location.data or "").strip()
    screen.poll_interval = form.poll_interval.data


def _save(screen: Screen, form: ScreenForm, template: str, message: str):
    _fill(screen, form)
    try:
        save_screen(screen)
    except DuplicateScreenName:
        db.session.rollback()
        form.name.errors.append(_("A screen with this name already exists in this region."))
        return render_template(template, form=form, screen=screen), 409
    db.session.commit()
    screens_changed.send(current_app._get_current_object(), screen_ids=[screen.id])
    flash(message, "success")
    return redirect(url_for("screens.show", screen_id=screen.id))


@bp.route("/<int:screen_id>")
@login_required
def show(screen_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    return render_template("screens/show.html", screen=screen, kinds=KIND_LABELS,
                           screen_panels=[panel(screen) for panel in panels("screen")])


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = ScreenForm()
    form.region_id.choices = _region_choices()
    if form.validate_on_submit():
        return _save(Screen(), form, "screens/form.html", _("Screen added."))
    status = 400 if request.method == "POST" else 200
    return render_template("screens/form.html", form=form, screen=None), status


@bp.route("/<int:screen_id>/edit", methods=["GET", "POST"])
@login_required
def edit(screen_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    form = ScreenForm(obj=screen)
    form.region_id.choices = _region_choices()
    if request.method == "GET":
        form.tags.data = ", ".join(screen.tags or [])
    if form.validate_on_submit():
        return _save(screen, form, "screens/form.html", _("Screen saved."))
    status = 400 if request.method == "POST" else 200
    return render_template("screens/form.html", form=form, screen=screen), status


@bp.route("/<int:screen_id>/retire", methods=["POST"])
@login_required
def retire(screen_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    screen.retired_at = None if screen.retired else utcnow()
    db.session.commit()
    screens_changed.send(current_app._get_current_object(), screen_ids=[screen.id])
    flash(_("Screen retired.") if screen.retired else _("Screen restored."), "success")
    return redirect(url_for("screens.show", screen_id=screen.id))

"""Screen groups: static lists or dynamic rules (tags, region subtree)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from signage.extensions import db
from signage.forms import ScreenGroupForm, select_choices, split_tags
from signage.models import Screen, ScreenGroup
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.screens_service import resolve_group
from signage.signals import screen_group_changed

bp = Blueprint("groups", __name__, url_prefix="/groups")


@bp.route("/")
@login_required
def index():
    groups = list(db.session.scalars(scoped_select(ScreenGroup).order_by(ScreenGroup.name)))
    return render_template("groups/index.html", groups=[(g, resolve_group(g)) for g in groups])


def _form(group: ScreenGroup | None) -> ScreenGroupForm:
    form = ScreenGroupForm(obj=group)
    regions = select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())
    form.region_id.choices = regions
    form.rule_region_id.choices = select_choices([(0, _("(owner region)"))]) + regions
    screens = db.session.scalars(scoped_select(Screen).where(Screen.retired_at.is_(None)).order_by(Screen.name))
    form.members.choices = select_choices((s.id, f"{s.name} ({s.region.name})") for s in screens)
    if request.method == "GET" and group is not None:
        form.members.data = [s.id for s in group.members]
        form.rule_tags.data = ", ".join(group.rule_tags or [])
        form.rule_region_id.data = group.rule_region_id or 0
    return form


def _save(group: ScreenGroup, form: ScreenGroupForm):
    before = {s.id for s in resolve_group(group)} if group.id else set()
    group.name = form.name.data.strip()
    group.region_id = require_region_in_scope(form.region_id.data).id
    group.dynamic = form.dynamic.data
    group.rule_tags = split_tags(form.rule_tags.data or "")
    group.rule_region_id = require_region_in_scope(form.rule_region_id.data).id if form.rule_region_id.data else None
    members = [get_scoped_or_404(Screen, sid) for sid in (form.members.data or [])]
    group.members = [] if group.dynamic else members
    db.session.add(group)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        form.name.errors.append(_("A group with this name already exists in this region."))
        return render_template("groups/form.html", form=form, group=group), 409
    db.session.refresh(group)
    after = {s.id for s in resolve_group(group)}
    db.session.commit()
    screen_group_changed.send(
        current_app._get_current_object(), group_id=group.id, screen_ids=sorted(before | after)
    )
    flash(_("Screen group saved."), "success")
    return redirect(url_for("groups.index"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _form(None)
    if form.validate_on_submit():
        return _save(ScreenGroup(), form)
    return render_template("groups/form.html", form=form, group=None), 400 if request.method == "POST" else 200


@bp.route("/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit(group_id: int):
    group = get_scoped_or_404(ScreenGroup, group_id)
    form = _form(group)
    if form.validate_on_submit():
        return _save(group, form)
    return render_template("groups/form.html", form=form, group=group), 400 if request.method == "POST" else 200



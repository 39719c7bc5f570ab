"""Regions: the tree in the user's scope; admins add regions and move subtrees (cycles refused), and an admin
above a region may grant it the one-person-centre exception to the four-eyes rule."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from signage.extensions import db
from signage.forms import RegionForm, select_choices
from signage.models import Region
from signage.regions import RegionError, create_region, move_region
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions
from signage.views.auth import roles_required

bp = Blueprint("regions", __name__, url_prefix="/regions")


def _choices() -> list[SelectChoice]:
    return select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())


def can_grant_self_approval(region: Region) -> bool:
    """Whether the current user may turn `allow_self_approval` on or off for this region: an admin whose
    scope holds the region but who does not work in it (nobody grants the exception to themselves)."""
    return (current_user.has_role("admin") and region.id != current_user.region_id
            and current_user.region.contains(region))


@bp.route("/")
@login_required
def index():
    return render_template("regions/index.html", regions=scoped_regions(), root=current_user.region)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new():
    form = RegionForm()
    del form.allow_self_approval  # granted on the edit page, once the region exists
    form.parent_id.choices = _choices()
    if form.validate_on_submit():
        parent = require_region_in_scope(form.parent_id.data)
        try:
            create_region(form.code.data.strip(), form.name.data.strip(), parent)
        except RegionError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc))
            return render_template("regions/form.html", form=form, region=None), 409
        db.session.commit()
        flash(_("Region added."), "success")
        return redirect(url_for("regions.index"))
    return render_template("regions/form.html", form=form, region=None), 400 if request.method == "POST" else 200


@bp.route("/<int:region_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit(region_id: int):
    region = get_scoped_or_404(Region, region_id)
    form = RegionForm(obj=region)
    if not can_grant_self_approval(region):
        del form.allow_self_approval  # a posted value is ignored, not only hidden
    form.parent_id.choices = _choices()
    if region.id == current_user.region_id:
        form.parent_id.choices = select_choices([(region.parent_id or 0, region.parent.name if region.parent else "—")])
    if form.validate_on_submit():
        region.code, region.name = form.code.data.strip(), form.name.data.strip()
        if "allow_self_approval" in form:
            region.allow_self_approval = form.allow_self_approval.data
        if region.id != current_user.region_id and form.parent_id.data != region.parent_id:
            try:
                move_region(region, require_region_in_scope(form.parent_id.data))
            except RegionError as exc:
                db.session.rollback()
                form.parent_id.errors.append(str(exc))
                return render_template("regions/form.html", form=form, region=region), 409
        db.session.commit()
        flash(_("Region saved."), "success")
        return redirect(url_for("regions.index"))
    return render_template("regions/form.html", form=form, region=region), 400 if request.method == "POST" else 200

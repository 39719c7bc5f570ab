"""Accounts (admins only, inside their region subtree): create, change role/region, deactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from signage.extensions import db
from signage.forms import UserForm, select_choices
from signage.models import User
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.views.auth import roles_required

bp = Blueprint("users", __name__, url_prefix="/users")


def _form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    form.region_id.choices = select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())
    return form


@bp.route("/")
@roles_required("admin")
def index():
    users = db.session.scalars(scoped_select(User).order_by(User.username))
    return render_template("users/index.html", users=list(users))


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new():
    form = _form(None)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("A new account needs a password."))
        elif db.session.scalar(select(User.id).where(User.username == form.username.data.strip())):
            form.username.errors.append(_("This username is taken."))
        else:
            user = User(username=form.username.data.strip())
            _apply(user, form)
            db.session.add(user)
            db.session.commit()
            flash(_("Account created."), "success")
            return redirect(url_for("users.index"))
        return render_template("users/form.html", form=form, user=None), 400
    return render_template("users/form.html", form=form, user=None), 400 if request.method == "POST" else 200


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit(user_id: int):
    user = get_scoped_or_404(User, user_id)
    form = _form(user)
    if request.method == "GET":
        form.username.data = user.username
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != "admin"):
            abort(400, _("You cannot demote or deactivate your own account."))
        _apply(user, form)
        db.session.commit()
        flash(_("Account saved."), "success")
        return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=user), 400 if request.method == "POST" else 200


def _apply(user: User, form: UserForm) -> None:
    user.display_name = (form.display_name.data or "").strip()
    user.role = form.role.data
    user.region_id = require_region_in_scope(form.region_id.data).id
    user.active = form.active.data
    if form.password.data:
        user.set_password(form.password.data)
    # a new password, role, region or deactivation ends the account's sessions (signage.models, at flush)

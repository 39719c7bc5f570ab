"""Themes: list, add, edit and delete (approvers and admins, inside their region subtree)."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from signage.extensions import db
from signage.forms import select_choices
from signage.registry import add_nav
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.theme_forms import ThemeForm
from signage.themes import ItemTheme, Theme, save_theme
from signage.views.auth import roles_required

bp = Blueprint("themes", __name__, url_prefix="/themes")


def _form(theme: Theme | None) -> ThemeForm:
    form = ThemeForm(obj=theme)
    form.region_id.choices = select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())
    if theme is not None and request.method == "GET":
        form.name_vi.data = theme.names.get("vi", "")
        form.name_en.data = theme.names.get("en", "")
    return form


def _fill(theme: Theme, form: ThemeForm) -> None:
    names = {"vi": form.name_vi.data.strip()}
    if (form.name_en.data or "").strip():
        names["en"] = form.name_en.data.strip()
    theme.names = names
    theme.region_id = require_region_in_scope(form.region_id.data).id
    theme.starts_on, theme.ends_on = form.starts_on.data, form.ends_on.data
    theme.colour = form.colour.data.lower()
    theme.is_main = bool(form.is_main.data)


@bp.route("/")
@roles_required("approver")
def index():
    themes = list(db.session.scalars(scoped_select(Theme).order_by(Theme.starts_on.desc(), Theme.id)))
    uses = dict(db.session.execute(
        select(ItemTheme.theme_id, func.count()).where(ItemTheme.theme_id.in_([t.id for t in themes]))
        .group_by(ItemTheme.theme_id)).all())
    return render_template("themes/index.html", themes=themes, uses=uses)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("approver")
def new():
    form = _form(None)
    if form.validate_on_submit():
        theme = Theme()
        _fill(theme, form)
        save_theme(theme)
        db.session.commit()
        flash(_("Theme added."), "success")
        return redirect(url_for(".index"))
    return render_template("themes/form.html", form=form, theme=None), 400 if request.method == "POST" else 200


@bp.route("/<int:theme_id>", methods=["GET", "POST"])
@roles_required("approver")
def edit(theme_id: int):
    theme = get_scoped_or_404(Theme, theme_id)
    form = _form(theme)
    if form.validate_on_submit():
        _fill(theme, form)
        save_theme(theme)
        db.session.commit()
        flash(_("Theme saved."), "success")
        return redirect(url_for(".index"))
    return render_template("themes/form.html", form=form, theme=theme), 400 if request.method == "POST" else 200


@bp.route("/<int:theme_id>/delete", methods=["POST"])
@roles_required("approver")
def delete(theme_id: int):
    theme = get_scoped_or_404(Theme, theme_id)
    db.session.delete(theme)  # its tags go with it (ON DELETE CASCADE); reports keep their rolled-up rows
    db.session.commit()
    flash(_("Theme deleted."), "success")
    return redirect(url_for(".index"))



def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav(app, "themes.index", _l("Themes"), roles=("approver",), group="admin")

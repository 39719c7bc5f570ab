"""Landing page after sign-in: what is in the user's region at a glance."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import func, select

from signage.extensions import db
from signage.models import Screen
from signage.registry import panels
from signage.scoping import scoped_select

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@login_required
def index():
    active = scoped_select(Screen).where(Screen.retired_at.is_(None)).subquery()
    by_kind = db.session.execute(select(active.c.kind, func.count()).group_by(active.c.kind)).all()
    # added by other packages (signage.add_panel); a panel with nothing to say gives None
    widgets = [w for w in (panel() for panel in panels("dashboard")) if w is not None]
    return render_template("dashboard.html", by_kind=dict(by_kind), widgets=widgets)

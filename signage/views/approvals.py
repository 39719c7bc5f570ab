"""The approvers' queue: everything submitted in the approver's region, oldest first."""

from __future__ import annotations

from flask import Blueprint, render_template

from signage.approval import pending_items
from signage.views.auth import roles_required

bp = Blueprint("approvals", __name__, url_prefix="/approvals")


@bp.route("/")
@roles_required("approver")
def index():
    return render_template("approvals/index.html", items=pending_items())

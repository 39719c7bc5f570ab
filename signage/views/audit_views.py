"""The audit log, for admins, limited to changes inside their region subtree."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import or_, select

from signage.extensions import db
from signage.models import AuditLog
from signage.scoping import scope_path
from signage.views.auth import roles_required

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 100


@bp.route("/")
@roles_required("admin")
def index():
    # Rows without a region (system-wide changes) are for the top of the tree only.
    in_scope = AuditLog.region_path.startswith(scope_path())
    if current_user.region.parent_id is None:
        in_scope = or_(in_scope, AuditLog.region_path == "")
    query = select(AuditLog).where(in_scope)
    entity = request.args.get("entity", "").strip()
    if entity:
        query = query.where(AuditLog.entity == entity)
    user = request.args.get("user", "").strip()
    if user:
        query = query.where(AuditLog.username == user)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = list(
        db.session.scalars(query.order_by(AuditLog.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    )
    return render_template("audit/index.html", rows=rows, page=page, entity=entity, user=user, size=PAGE_SIZE)

"""Region scoping: an account sees its region's subtree and nothing else, on every query.

Views never query scoped models directly; they go through `scoped_select` / `get_scoped_or_404`, so an
operator who types another district's id into a URL gets a 404, not the record.
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from signage.extensions import db
from signage.models import Region

T = TypeVar("T")


def scope_path() -> str:
    return current_user.region.path


def scoped_select(model: type[T], *, region_attr: str = "region_id") -> Select:
    """SELECT of `model` limited to rows whose region is inside the current user's subtree."""
    if model is Region:
        return select(Region).where(Region.path.startswith(scope_path()))
    column = getattr(model, region_attr)
    return (
        select(model)
        .join(Region, Region.id == column)
        .where(Region.path.startswith(scope_path()))
    )


def get_scoped_or_404(model: type[T], ident: int, *, region_attr: str = "region_id") -> T:
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    region = obj if isinstance(obj, Region) else db.session.get(Region, getattr(obj, region_attr))
    if not current_user.region.contains(region):
        abort(404)
    return obj


def scoped_regions() -> list[Region]:
    return list(db.session.scalars(scoped_select(Region).order_by(Region.path)))


def require_region_in_scope(region_id: int | None) -> Region:
    region = db.session.get(Region, region_id) if region_id else None
    if region is None or not current_user.region.contains(region):
        abort(403)
    return region

"""Region tree operations: keep materialised paths right and refuse cycles."""

from __future__ import annotations

from sqlalchemy import String, func, literal, select, update

from signage.extensions import db
from signage.models import Region


class RegionError(ValueError):
    pass


def create_region(code: str, name: str, parent: Region | None) -> Region:
    if db.session.scalar(select(Region).where(Region.code == code)):
        raise RegionError(f"A region with code {code!r} already exists.")
    region = Region(code=code, name=name, parent=parent, path="")
    db.session.add(region)
    db.session.flush()  # id needed for the path
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    return region


def move_region(region: Region, new_parent: Region | None) -> None:
    """Re-parent a region and its whole subtree; moving a region under itself is a cycle and refused."""
    if new_parent is not None and new_parent.path.startswith(region.path):
        raise RegionError(f"Cannot move {region.name} under {new_parent.name}: that would make a cycle.")
    old_path = region.path
    new_path = f"{new_parent.path if new_parent else '/'}{region.id}/"
    region.parent = new_parent
    region.path = new_path
    db.session.flush()
    db.session.execute(
        update(Region)
        .where(Region.path.startswith(old_path), Region.id != region.id)
        .values(path=literal(new_path, String) + func.substr(Region.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def subtree_ids(region: Region) -> list[int]:
    return list(db.session.scalars(select(Region.id).where(Region.path.startswith(region.path))))

"""Screens and screen groups as plain functions other packages call (they never query our tables)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from signage.extensions import db
from signage.models import Region, Screen, ScreenGroup


class DuplicateScreenName(ValueError):
    pass


def save_screen(screen: Screen) -> Screen:
    """Flush a new or edited screen; a duplicate name within its region raises DuplicateScreenName."""
    clash = db.session.scalar(
        select(Screen.id).where(Screen.region_id == screen.region_id, Screen.name == screen.name)
    )
    if clash is not None and clash != screen.id:
        raise DuplicateScreenName(screen.name)
    db.session.add(screen)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # a concurrent insert won the race
        raise DuplicateScreenName(screen.name) from exc
    return screen


def active_screens(region: Region | None = None) -> list[Screen]:
    query = select(Screen).where(Screen.retired_at.is_(None))
    if region is not None:
        query = query.join(Region, Region.id == Screen.region_id).where(Region.path.startswith(region.path))
    return list(db.session.scalars(query.order_by(Screen.name)))


def resolve_group(group: ScreenGroup) -> list[Screen]:
    """Screens a group targets now: its members, or (dynamic) active screens matching region and tags.

    A dynamic group never reaches outside its owner's region subtree.
    """
    if not group.dynamic:
        return [s for s in group.members if not s.retired]
    owner = group.region
    within = group.rule_region if group.rule_region and owner.contains(group.rule_region) else owner
    wanted = set(group.rule_tags or [])
    return [s for s in active_screens(within) if not wanted or wanted.intersection(s.tags or [])]


def screens_for_regions(region_ids: list[int]) -> list[Screen]:
    regions = [db.session.get(Region, rid) for rid in region_ids]
    found: dict[int, Screen] = {}
    for region in filter(None, regions):
        for screen in active_screens(region):
            found[screen.id] = screen
    return list(found.values())

"""Which screens an entry, playlist or content item reaches — the exact set whose manifests must move."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from scheduling.models import (
    ItemType,
    PlaylistItem,
    RegionDefault,
    ScheduleEntry,
    ScheduleTarget,
    ScreenDefault,
    TargetType,
)
from signage.extensions import db
from signage.models import Region, Screen, ScreenGroup, screen_group_member
from signage.screens_service import resolve_group, screens_for_regions
from signage.timeutil import local_tz, localnow


def target_screen_ids(targets: Iterable[tuple[str, int]]) -> set[int]:
    ids: set[int] = set()
    for target_type, target_id in targets:
        if target_type == TargetType.SCREEN:
            screen = db.session.get(Screen, target_id)
            if screen is not None and not screen.retired:
                ids.add(screen.id)
        elif target_type == TargetType.GROUP:
            group = db.session.get(ScreenGroup, target_id)
            if group is not None:
                ids.update(s.id for s in resolve_group(group))
        elif target_type == TargetType.REGION:
            ids.update(s.id for s in screens_for_regions([target_id]))
    return ids


def entry_screen_ids(entry: ScheduleEntry) -> set[int]:
    return target_screen_ids((t.target_type, t.target_id) for t in entry.targets)


def playlists_containing(playlist_ids: set[int]) -> set[int]:
    """The playlists given plus every playlist that nests any of them, at any depth."""
    found, frontier = set(playlist_ids), set(playlist_ids)
    while frontier:
        parents = set(db.session.scalars(
            select(PlaylistItem.playlist_id).where(
                PlaylistItem.item_type == ItemType.PLAYLIST.value, PlaylistItem.item_id.in_(frontier)
            )
        ))
        frontier = parents - found
        found |= frontier
    return found


def _not_over(now: datetime | None = None):
    """Entries whose date range has not ended by `now` (default: the clock) — an ended entry no longer changes
    any manifest. A day's margin: an entry ending yesterday may still cover the night before `now`."""
    yesterday = (now.astimezone(local_tz()) if now else localnow()).date() - timedelta(days=1)
    return or_(ScheduleEntry.end_date.is_(None), ScheduleEntry.end_date >= yesterday)


def playlist_screen_ids(playlist_ids: set[int]) -> set[int]:
    """Screens that play any of these playlists (directly, nested, scheduled or as default)."""
    if not playlist_ids:
        return set()
    all_ids = playlists_containing(playlist_ids)
    entries = db.session.scalars(
        select(ScheduleEntry).where(ScheduleEntry.playlist_id.in_(all_ids), _not_over())
    ).all()
    screens: set[int] = set()
    for entry in entries:
        screens |= entry_screen_ids(entry)
    screens.update(db.session.scalars(select(ScreenDefault.screen_id).where(ScreenDefault.playlist_id.in_(all_ids))))
    regions = db.session.scalars(select(RegionDefault.region_id).where(RegionDefault.playlist_id.in_(all_ids))).all()
    if regions:  # only the screens that inherit it: not those with their own or a nearer region's default
        inherited = default_playlist_ids(screens_for_regions(list(regions)))
        screens.update(sid for sid, pid in inherited.items() if pid in all_ids)
    return screens


def _region_chain(screen: Screen) -> list[int]:
    """The screen's region and its ancestors, nearest first."""
    return [int(p) for p in reversed(screen.region.path.strip("/").split("/")) if p]


def default_playlist_ids(screens: Iterable[Screen]) -> dict[int, int | None]:
    """Each screen's default playlist: its own, else the nearest region's up its path, else none."""
    screens = list(screens)
    if not screens:
        return {}
    own = dict(db.session.execute(select(ScreenDefault.screen_id, ScreenDefault.playlist_id)
                                  .where(ScreenDefault.screen_id.in_([s.id for s in screens]))).all())
    chains = {s.id: _region_chain(s) for s in screens}
    by_region = dict(db.session.execute(
        select(RegionDefault.region_id, RegionDefault.playlist_id)
        .where(RegionDefault.region_id.in_({r for chain in chains.values() for r in chain}))).all())
    return {s.id: own.get(s.id) or next((by_region[r] for r in chains[s.id] if r in by_region), None)
            for s in screens}


def default_playlist_id(screen: Screen) -> int | None:
    return default_playlist_ids([screen])[screen.id]


def default_source(screen: Screen) -> Region | None:
    """The region whose default the screen inherits, or None (its own default, or none at all)."""
    if db.session.get(ScreenDefault, screen.id) is not None:
        return None
    chain = _region_chain(screen)
    rows = {r.region_id: r for r in db.session.scalars(select(RegionDefault).where(RegionDefault.region_id.in_(chain)))}
    return next((rows[r].region for r in chain if r in rows), None)


def item_playlist_ids(item_type: str, item_id: int) -> set[int]:
    return set(db.session.scalars(
        select(PlaylistItem.playlist_id).where(PlaylistItem.item_type == item_type, PlaylistItem.item_id == item_id)
    ))


def item_screen_ids(item_type: str, item_id: int) -> set[int]:
    return playlist_screen_ids(item_playlist_ids(item_type, item_id))


def entries_for_screen(screen: Screen, *, live_only: bool = True,
                       now: datetime | None = None) -> list[tuple[ScheduleEntry, int]]:
    """Enabled entries reaching the screen, each with its most specific matching target (0 region,
    1 group, 2 screen); `live_only`: not those ended before `now` (default: the clock)."""
    region_ids = [int(p) for p in screen.region.path.strip("/").split("/") if p]
    static_groups = set(db.session.scalars(
        select(screen_group_member.c.group_id).where(screen_group_member.c.screen_id == screen.id)
    ))
    query = (
        select(ScheduleTarget.target_type, ScheduleTarget.target_id, ScheduleEntry)
        .join(ScheduleEntry, ScheduleEntry.id == ScheduleTarget.entry_id)
        .where(
            ScheduleEntry.enabled.is_(True),
            or_(
                (ScheduleTarget.target_type == TargetType.SCREEN.value) & (ScheduleTarget.target_id == screen.id),
                (ScheduleTarget.target_type == TargetType.REGION.value) & ScheduleTarget.target_id.in_(region_ids),
                ScheduleTarget.target_type == TargetType.GROUP.value,
            ),
        )
    )
    if live_only:
        query = query.where(_not_over(now))
    specificity: dict[int, int] = {}
    entries: dict[int, ScheduleEntry] = {}
    dynamic_cache: dict[int, bool] = {}
    for target_type, target_id, entry in db.session.execute(query):
        if target_type == TargetType.GROUP.value:
            if target_id not in static_groups:
                if target_id not in dynamic_cache:
                    group = db.session.get(ScreenGroup, target_id)
                    dynamic_cache[target_id] = bool(
                        group and group.dynamic and any(s.id == screen.id for s in resolve_group(group))
                    )
                if not dynamic_cache[target_id]:
                    continue
            level = 1
        else:
            level = 2 if target_type == TargetType.SCREEN.value else 0
        entries[entry.id] = entry
        specificity[entry.id] = max(level, specificity.get(entry.id, -1))
    return [(entries[eid], specificity[eid]) for eid in sorted(entries)]


def group_is_targeted(group_id: int) -> bool:
    return db.session.scalar(
        select(ScheduleTarget.id).where(
            ScheduleTarget.target_type == TargetType.GROUP.value, ScheduleTarget.target_id == group_id
        ).limit(1)
    ) is not None


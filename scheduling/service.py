"""Every change to schedules goes through here: commit, then bump exactly the affected screens.

Signals from the rest of the product (screens, groups, content) are handled here too.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, current_app
from sqlalchemy import func, select

from scheduling import api, content_port, versions
from scheduling.models import (
    ItemType,
    Playlist,
    PlaylistItem,
    RegionDefault,
    ScheduleEntry,
    ScheduleTarget,
    ScreenDefault,
)
from scheduling.targeting import (
    default_playlist_ids,
    entry_screen_ids,
    group_is_targeted,
    item_screen_ids,
    playlist_screen_ids,
    target_screen_ids,
)
from signage.extensions import db
from signage.models import Region, Screen
from signage.screens_service import screens_for_regions
from signage.signals import content_changed, item_in_use_query, screen_group_changed, screens_changed


def bump(screen_ids: Iterable[int], reason: str) -> list[int]:
    bumped = versions.bump(screen_ids)
    if bumped:
        current_app.logger.info("manifest versions bumped (%s): %s", reason, bumped)
    return bumped


def save_entry(entry: ScheduleEntry, targets: list[tuple[str, int]] | None = None) -> list[int]:
    """Commit a new or edited entry (and its targets); bump the screens it reached before and reaches now."""
    before = entry_screen_ids(entry) if entry.id else set()
    if targets is not None:
        wanted = {(t, int(i)) for t, i in targets}
        entry.targets = [t for t in entry.targets if (t.target_type, t.target_id) in wanted]
        have = {(t.target_type, t.target_id) for t in entry.targets}
        entry.targets.extend(ScheduleTarget(target_type=t, target_id=i) for t, i in sorted(wanted - have))
    db.session.add(entry)
    db.session.commit()
    after = entry_screen_ids(entry)
    prepare_renders({entry.playlist_id}, after)
    return bump(before | after, f"entry {entry.id} saved")


def delete_entry(entry: ScheduleEntry) -> list[int]:
    screens = entry_screen_ids(entry)
    entry_id = entry.id
    db.session.delete(entry)
    db.session.commit()
    return bump(screens, f"entry {entry_id} deleted")


def playlist_changed(playlist: Playlist, before: set[int] | None = None) -> list[int]:
    """After committing a playlist edit (items, order, durations, validity, nesting)."""
    after = playlist_screen_ids({playlist.id})
    prepare_renders({playlist.id}, after)
    return bump((before or set()) | after, f"playlist {playlist.id} changed")


def add_item(playlist: Playlist, **fields) -> PlaylistItem:
    """Append an item (PlaylistItem `fields` without position) at the end of the playlist and commit; the
    caller then calls `playlist_changed`.

    Concurrent adds to one playlist keep the positions a sequence: the playlist row is locked first (FOR UPDATE
    on PostgreSQL, where two READ COMMITTED transactions would both see the same last position), and the
    position is computed inside the INSERT itself (one statement under SQLite's write lock), never read in
    Python and written back later."""
    db.session.execute(select(Playlist.id).where(Playlist.id == playlist.id).with_for_update())
    after_last = (select(func.coalesce(func.max(PlaylistItem.position), -1) + 1)
                  .where(PlaylistItem.playlist_id == playlist.id).scalar_subquery())
    item = PlaylistItem(playlist_id=playlist.id, position=after_last, **fields)
    db.session.add(item)
    db.session.commit()
    db.session.expire(playlist, ["items"])
    return item


def save_playlist(playlist: Playlist) -> list[int]:
    before = playlist_screen_ids({playlist.id}) if playlist.id else set()
    db.session.add(playlist)
    db.session.commit()
    return playlist_changed(playlist, before)


def delete_playlist(playlist: Playlist) -> list[int]:
    """Only a playlist that no entry, default or other playlist uses may go (the caller checks)."""
    screens = playlist_screen_ids({playlist.id})
    pid = playlist.id
    db.session.delete(playlist)
    db.session.commit()
    return bump(screens, f"playlist {pid} deleted")


def playlist_in_use(playlist_id: int) -> bool:
    return any(db.session.scalar(q.limit(1)) is not None for q in (
        select(ScheduleEntry.id).where(ScheduleEntry.playlist_id == playlist_id),
        select(ScreenDefault.screen_id).where(ScreenDefault.playlist_id == playlist_id),
        select(RegionDefault.region_id).where(RegionDefault.playlist_id == playlist_id),
        select(PlaylistItem.id).where(
            PlaylistItem.item_type == ItemType.PLAYLIST.value, PlaylistItem.item_id == playlist_id
        ),
    ))


def _store_default(model: type[ScreenDefault] | type[RegionDefault], owner: dict[str, int],
                   playlist_id: int | None) -> None:
    """Create, change or remove a screen's or a region's default row (`owner`: its primary key), and commit."""
    row = db.session.get(model, next(iter(owner.values())))
    if playlist_id is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(model(**owner, playlist_id=playlist_id))
    else:
        row.playlist_id = playlist_id
    db.session.commit()


def set_default(screen: Screen, playlist_id: int | None) -> list[int]:
    _store_default(ScreenDefault, {"screen_id": screen.id}, playlist_id)
    effective = default_playlist_ids([screen])[screen.id]  # without its own: the region's it inherits
    if effective:
        prepare_renders({effective}, {screen.id})
    return bump([screen.id], f"default playlist of screen {screen.id}")


def set_region_default(region: Region, playlist_id: int | None) -> list[int]:
    """Bumps exactly the screens whose effective default changes (not those with their own default or a
    nearer region's)."""
    subtree = screens_for_regions([region.id])
    before = default_playlist_ids(subtree)
    _store_default(RegionDefault, {"region_id": region.id}, playlist_id)
    after = default_playlist_ids(subtree)
    changed = {sid for sid, pid in after.items() if pid != before[sid]}
    if playlist_id:
        prepare_renders({playlist_id}, changed)
    return bump(changed, f"default playlist of region {region.id}")


def prepare_renders(playlist_ids: set[int], screen_ids: set[int]) -> None:
    """Ask content to render every size and language these screens need (idempotent RQ jobs)."""
    if not screen_ids or not playlist_ids:
        return
    from scheduling.manifest import flatten, load_playlists

    screens = db.session.scalars(select(Screen).where(Screen.id.in_(screen_ids))).all()
    sizes = sorted({(s.width, s.height) for s in screens})
    langs = sorted({lang for s in screens for lang in (s.languages or ["vi"])})
    playlists = load_playlists(playlist_ids)
    items = {(f.item_type, f.item_id) for pid in playlist_ids for f in flatten(pid, playlists)}
    for item_type, item_id in sorted(items):
        if item_type in ("slide", "media"):
            try:
                content_port.content_api().ensure_renders(item_type, item_id, sizes, langs, sorted(screen_ids))
            except Exception:  # a render queue problem must not lose the schedule change
                current_app.logger.exception("could not enqueue renders for %s %s", item_type, item_id)


# ---------------------------------------------------------------- signals from the rest of the product


def _on_screens_changed(sender, screen_ids=(), **_):
    bump(screen_ids, "screens changed")


def _on_item_in_use_query(sender, item_type=None, item_id=None, **_) -> bool:
    return api.item_in_use(item_type, int(item_id))


def _on_group_changed(sender, group_id=None, screen_ids=(), **_):
    if group_id is not None and group_is_targeted(group_id):
        bump(screen_ids, f"group {group_id} changed")


def _on_content_changed(sender, item_type=None, item_id=None, **_):
    if item_type and item_id is not None:
        from scheduling.manifest import invalidate

        invalidate(item_type, int(item_id))
        bump(item_screen_ids(item_type, int(item_id)), f"{item_type} {item_id} changed")


def connect_signals(app: Flask) -> None:
    screens_changed.connect(_on_screens_changed, sender=app, weak=False)
    screen_group_changed.connect(_on_group_changed, sender=app, weak=False)
    content_changed.connect(_on_content_changed, sender=app, weak=False)
    item_in_use_query.connect(_on_item_in_use_query, sender=app, weak=False)


__all__ = ["target_screen_ids", "bump", "save_entry", "delete_entry", "save_playlist", "delete_playlist",
           "playlist_changed", "playlist_in_use", "set_default", "connect_signals"]

"""Read models for the UI: the per-screen calendar (who wins when, and why) and screen status."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from players.heartbeat import is_online, latest
from players.models import PlayerToken
from signage.extensions import db
from signage.models import Screen
from signage.scheduling import content_port, timeline
from signage.scheduling.manifest import ContentCatalogue, flatten, load_playlists, rules_for
from signage.scheduling.models import Playlist, ScheduleEntry
from signage.scheduling.targeting import default_playlist_id, entries_for_screen
from signage.timeutil import local_tz, utcnow


def calendar(screen: Screen, start: datetime, days: int) -> list[dict]:
    """Per local day: segments with the winning entry (or the default), why it wins, and who it beats."""
    tz = local_tz()
    entries = entries_for_screen(screen)
    default_id = default_playlist_id(screen)
    roots = {e.playlist_id for e, _ in entries}
    playlists = load_playlists(roots)
    flat = {pid: flatten(pid, playlists) for pid in roots}
    catalogue = ContentCatalogue(screen)
    rules = rules_for(entries, flat, catalogue)
    by_id = {e.id: e for e, _ in entries}
    names = {p.id: p.name for p in db.session.scalars(select(Playlist).where(
        Playlist.id.in_(roots | ({default_id} if default_id else set()))))}
    out = []
    for d in range(days):
        day_start = (start + timedelta(days=d)).astimezone(tz)
        day_end = day_start + timedelta(days=1)
        segments = []
        for seg in timeline.resolve(rules, day_start, day_end, tz):
            entry: ScheduleEntry | None = by_id.get(seg.rule.entry_id) if seg.rule else None
            span = (day_end - day_start).total_seconds()
            segments.append({
                "start": seg.start, "end": seg.end, "entry": entry,
                "playlist": names.get(seg.rule.playlist_id if seg.rule else default_id, ""),
                "why": seg.why, "beaten": [by_id[r.entry_id] for r in seg.beaten if r.entry_id in by_id],
                "left": (seg.start - day_start).total_seconds() / span * 100,
                "width": (seg.end - seg.start).total_seconds() / span * 100,
            })
        out.append({"date": day_start.date(), "segments": segments})
    return out


def _thumbnail(screen: Screen, playing: dict) -> str | None:
    item_type, item_id = playing.get("item_type"), playing.get("item_id")
    if item_type not in ("slide", "media") or not isinstance(item_id, int):
        return None
    try:
        asset = content_port.content_api().asset_for(item_type, item_id, screen.width, screen.height,
                                                     (screen.languages or ["vi"])[0], screen.id)
    except Exception:  # a thumbnail is never worth an error page
        current_app.logger.exception("thumbnail for %s %s", item_type, item_id)
        return None
    return asset["url"] if asset and str(asset.get("mime", "")).startswith("image/") else None


def screen_statuses(screens: list[Screen]) -> list[dict]:
    beats = latest([s.id for s in screens])
    paired = set(db.session.scalars(select(PlayerToken.screen_id).where(
        PlayerToken.screen_id.in_([s.id for s in screens]), PlayerToken.revoked_at.is_(None))))
    now_ms = int(utcnow().timestamp() * 1000)
    rows = []
    for s in screens:
        beat = beats.get(s.id) or {}
        last_ms = beat.get("last_seen_ms")
        playing = beat.get("playing") or {}
        rows.append({
            "screen": s, "online": is_online(last_ms, now_ms, s.poll_interval or 30),
            "last_seen": datetime.fromtimestamp(last_ms / 1000, local_tz()) if last_ms else None,
            "playing": playing, "playing_name": playing.get("name") or "",
            "thumbnail": _thumbnail(s, playing) if playing else None,
            "errors": beat.get("errors") or [], "app_version": beat.get("app_version") or "",
            "paired": s.id in paired,
        })
    return rows


def recent_plays(screen: Screen, limit: int = 15) -> dict:
    """Proof of play for the screen page: the count over the last 24 hours and the latest records."""
    from sqlalchemy import func

    from players.models import PlayRecord

    since = utcnow() - timedelta(hours=24)
    count = db.session.scalar(select(func.count()).select_from(PlayRecord).where(
        PlayRecord.screen_id == screen.id, PlayRecord.started_at >= since))
    latest_rows = db.session.scalars(select(PlayRecord).where(PlayRecord.screen_id == screen.id)
                                     .order_by(PlayRecord.started_at.desc()).limit(limit)).all()
    return {"count_24h": count or 0, "latest": latest_rows}

"""Read models of the player side for the operator UI: each screen's status (online, last seen, what it
says it plays, its errors, whether a player is paired) and its recent proof of play. Heartbeats come from
Redis (players/heartbeat.py), pairing and plays from the database; the thumbnail is the server's render
of the item the player reports."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from players.heartbeat import is_online, is_stale, latest
from players.models import PlayerToken, PlayRecord
from scheduling import content_port
from signage.extensions import db
from signage.models import Screen
from signage.timeutil import local_tz, utcnow


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
            # playing from an older manifest than the current one for longer than two polls: a change that
            # has not reached the glass (the time it started, local)
            "stale_since": (datetime.fromtimestamp(beat["stale_since_ms"] / 1000, local_tz())
                            if is_stale(beat, now_ms, s.poll_interval or 30) else None),
        })
    return rows


def recent_plays(screen: Screen, limit: int = 15) -> dict:
    """Proof of play for the screen page: the count over the last 24 hours and the latest records."""
    since = utcnow() - timedelta(hours=24)
    count = db.session.scalar(select(func.count()).select_from(PlayRecord).where(
        PlayRecord.screen_id == screen.id, PlayRecord.started_at >= since))
    latest_rows = db.session.scalars(select(PlayRecord).where(PlayRecord.screen_id == screen.id)
                                     .order_by(PlayRecord.started_at.desc()).limit(limit)).all()
    return {"count_24h": count or 0, "latest": latest_rows}

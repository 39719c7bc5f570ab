"""Online/offline history per screen (player_screen_interval), shared by the reports' uptime and the
technicians' health history.

Contract:
- A screen is offline once its last contact is older than 1.1 × its poll interval + 15 s (the rule the
  status page uses: `players.heartbeat.is_online`).
- Intervals of a screen follow each other without gaps or overlaps; at most one is open (`ended_at` NULL).
  History starts with a screen's first heartbeat after this table exists.
- `note_contact` (called by `players.heartbeat.record` only when a beat may change the state: after a
  silence longer than the threshold, or when Redis does not know an online interval is open) opens an online
  interval at the beat. The interval it closes ends at the last contact before the silence (an online one
  the sweeper has not closed yet, followed by the offline silence) or at the beat (an offline one).
- `players.sweep.sweep(now)` (an RQ job every minute, planned by a starting worker, one job id per minute) closes the
  online interval of every screen whose last contact is too old, at that last contact, and opens an offline
  one from there. Closing is a compare-and-set (`... WHERE ended_at IS NULL`): two sweeps, or a sweep racing
  a heartbeat, never close an interval twice, so the job is idempotent.
- `split_uptime` is the pure core: online and offline seconds of some intervals within a period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update

from players.models import ScreenInterval, ScreenStatus
from signage.extensions import db
from signage.models import Screen
from signage.redis_client import get_redis

GRACE_S = 15
OFFLINE_FACTOR = 1.1


def threshold_s(poll_interval_s: int) -> float:
    return OFFLINE_FACTOR * poll_interval_s + GRACE_S


def is_online(last_seen_ms: int | None, now_ms: int, poll_interval_s: int) -> bool:
    """Online while the last contact is younger than 1.1 × the poll interval plus a grace period."""
    if last_seen_ms is None:
        return False
    return now_ms - last_seen_ms <= threshold_s(poll_interval_s) * 1000


def online_flag_key(screen_id: int) -> str:
    """Set while an online interval is known to be open (a hint: the database decides)."""
    return f"player:hbon:{screen_id}"


def poll_key(screen_id: int) -> str:
    """The screen's poll interval, cached an hour for the heartbeat's gap check."""
    return f"player:hbpoll:{screen_id}"


# ---------------------------------------------------------------- the pure core


def split_uptime(intervals: Iterable[tuple[bool, datetime, datetime | None]], start: datetime, end: datetime,
                 now: datetime) -> tuple[float, float]:
    """(online seconds, offline seconds) of `intervals` (online, started_at, ended_at or None = still open)
    inside [start, min(end, now)). Time before a screen's first interval counts as neither."""
    stop = min(end, now)
    online = offline = 0.0
    for is_on, began, ended in intervals:
        lo, hi = max(began, start), min(ended or now, stop)
        if hi > lo:
            if is_on:
                online += (hi - lo).total_seconds()
            else:
                offline += (hi - lo).total_seconds()
    return online, offline


# ---------------------------------------------------------------- heartbeat side


def poll_interval(screen_id: int, cached: bytes | None) -> int:
    if cached is not None:
        return int(cached)
    value = db.session.scalar(select(Screen.poll_interval).where(Screen.id == screen_id)) or 30
    get_redis().set(poll_key(screen_id), int(value), ex=3600)
    return int(value)


def _open_interval(screen_id: int) -> ScreenInterval | None:
    return db.session.scalar(select(ScreenInterval).where(
        ScreenInterval.screen_id == screen_id, ScreenInterval.ended_at.is_(None))
        .order_by(ScreenInterval.started_at.desc()).limit(1))


def close_interval(row_id: int, at: datetime) -> bool:
    result = db.session.execute(
        update(ScreenInterval).where(ScreenInterval.id == row_id, ScreenInterval.ended_at.is_(None))
        .values(ended_at=at).execution_options(synchronize_session=False))
    return result.rowcount == 1


def note_contact(screen_id: int, at: datetime, previous_at: datetime | None, poll_s: int) -> bool:
    """A heartbeat at `at` (the one before it at `previous_at`, None when Redis had none): make sure an online
    interval is open. Returns True when the history changed. Commits."""
    if previous_at is None:
        previous_at = db.session.scalar(select(ScreenStatus.last_seen_at).where(ScreenStatus.screen_id == screen_id))
    current = _open_interval(screen_id)
    gap_ok = previous_at is not None and (at - previous_at).total_seconds() <= threshold_s(poll_s)
    if current is not None and current.online and gap_ok:
        get_redis().set(online_flag_key(screen_id), 1, ex=86400)
        db.session.rollback()
        return False
    start = at
    if current is not None:
        if current.online:
            end = min(max(current.started_at, previous_at or current.started_at), at)
            if close_interval(current.id, end) and end < at:
                db.session.add(ScreenInterval(screen_id=screen_id, online=False, started_at=end, ended_at=at))
        elif not close_interval(current.id, at):
            db.session.rollback()
            return False
    db.session.add(ScreenInterval(screen_id=screen_id, online=True, started_at=start, ended_at=None))
    db.session.commit()
    get_redis().set(online_flag_key(screen_id), 1, ex=86400)
    return True

"""The offline sweeper: an RQ job every minute (planned by a starting worker, one job id per minute) that
closes the online interval of every screen that stopped reporting. The rules are in players.intervals."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from players.heartbeat import latest
from players.intervals import close_interval, is_online, online_flag_key
from players.models import ScreenInterval
from signage.extensions import db
from signage.models import Screen
from signage.redis_client import get_queue, get_redis
from signage.signals import worker_starting
from signage.timeutil import utcnow

log = logging.getLogger(__name__)

QUEUE = "default"
JOB_FUNC = "players.sweep.sweep_job"
PLANNED_KEY = "player:offline-sweep:planned"
SWEEP_EVERY = timedelta(minutes=1)




def sweep(now: datetime) -> int:
    """Close the online interval of every screen not seen within its threshold (at its last contact) and
    open an offline one. Returns how many screens went offline. Idempotent."""
    rows = db.session.execute(
        select(ScreenInterval.id, ScreenInterval.screen_id, ScreenInterval.started_at, Screen.poll_interval)
        .join(Screen, Screen.id == ScreenInterval.screen_id)
        .where(ScreenInterval.online.is_(True), ScreenInterval.ended_at.is_(None))).all()
    if not rows:
        return 0
    beats = latest([r.screen_id for r in rows])
    now_ms = int(now.timestamp() * 1000)
    gone = []
    for row in rows:
        last_ms = (beats.get(row.screen_id) or {}).get("last_seen_ms")
        if is_online(last_ms, now_ms, row.poll_interval or 30):
            continue
        last = datetime.fromtimestamp(last_ms / 1000, UTC) if last_ms else row.started_at
        end = min(max(last, row.started_at), now)
        if close_interval(row.id, end):
            db.session.add(ScreenInterval(screen_id=row.screen_id, online=False, started_at=end, ended_at=None))
            gone.append(row.screen_id)
    db.session.commit()
    if gone:
        get_redis().delete(*[online_flag_key(sid) for sid in gone])
    return len(gone)


def job_id(when: datetime) -> str:
    return f"players-offline-sweep-{when.astimezone(UTC):%Y%m%d%H%M}"


def plan(*, replace: bool = False) -> datetime | None:
    """Put the next sweep on the RQ scheduler (the start of the next minute) unless one is planned. One job id
    per minute, so planning twice never makes two sweeps."""
    queue = get_queue(QUEUE)
    if not queue.is_async:
        return None  # RQ_SYNC (tests): no scheduler; tests call sweep() at the time they want
    now = utcnow()
    when = now.replace(second=0, microsecond=0) + SWEEP_EVERY
    ident = job_id(when)
    ttl = int((when - now).total_seconds()) + 300
    if not queue.connection.set(PLANNED_KEY, ident, nx=not replace, ex=ttl):
        return None
    queue.enqueue_at(when, JOB_FUNC, job_id=ident, job_timeout=300, result_ttl=600, failure_ttl=86400,
                     description="players: close the online intervals of silent screens")
    return when


def sweep_job() -> int:
    try:
        return sweep(utcnow())
    finally:
        plan(replace=True)


def _plan_on_start(sender, **_) -> None:
    try:
        plan()
    except Exception:  # housekeeping must never stop a worker from starting
        log.exception("could not plan the offline sweep")


def init_app(app: Flask) -> None:
    worker_starting.connect(_plan_on_start, sender=app, weak=False)

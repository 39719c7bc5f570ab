"""The offline sweeper: an RQ job every minute (planned by a starting worker, one job id per minute) that
closes the online interval of every screen that stopped reporting. The rules are in players.intervals."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from players.heartbeat import latest_vitals
from players.intervals import close_interval, is_online, online_flag_key
from players.models import ScreenInterval
from signage.extensions import db
from signage.models import Screen
from signage.periodic import Periodic, every, plan_on_worker_start
from signage.redis_client import get_redis
from signage.timeutil import utcnow

SWEEP = Periodic("players-offline-sweep", "players.sweep.sweep_job", every(60), queue="default",
                 slot="%Y%m%d%H%M", description="players: close the online intervals of silent screens")


def sweep(now: datetime) -> int:
    """Close the online interval of every screen not seen within its threshold (at its last contact) and
    open an offline one. Returns how many screens went offline. Idempotent."""
    rows = db.session.execute(
        select(ScreenInterval.id, ScreenInterval.screen_id, ScreenInterval.started_at, Screen.poll_interval)
        .join(Screen, Screen.id == ScreenInterval.screen_id)
        .where(ScreenInterval.online.is_(True), ScreenInterval.ended_at.is_(None))).all()
    if not rows:
        return 0
    # the vitals lines, not the beats' JSON: 10,000 online screens every minute (players.heartbeat.latest_vitals)
    last_seen = {sid: v.last_seen_ms if v else None for sid, v in latest_vitals([r.screen_id for r in rows])}
    now_ms = int(now.timestamp() * 1000)
    gone = []
    for row in rows:
        last_ms = last_seen.get(row.screen_id)
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


def sweep_job() -> int:
    return SWEEP.run(lambda: sweep(utcnow()))


def init_app(app: Flask) -> None:
    plan_on_worker_start(app, SWEEP)

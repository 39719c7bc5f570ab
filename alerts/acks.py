"""Acknowledgements: which screen put which alert on the glass, and when.

A player reports each alert once, with the time it showed it (its own clock, corrected by the server time);
the herd of a province-wide alert reports within seconds, so a report is one Redis HSETNX (the first report
per alert and screen wins) and the rows of `alert_ack` are written in batches by an RQ job
(`persist`, idempotent: it inserts what the table lacks). At most one such job is queued per alert at a time
(a Redis gate the job opens before it reads, so a report arriving meanwhile queues the next one). Readers
(`acks_for`) merge the table and Redis, so the board is live and survives a Redis loss (minus reports not yet
written, at most a few seconds' worth).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from alerts.models import AlertAck, EmergencyAlert
from signage.extensions import db
from signage.models import Screen
from signage.redis_client import get_queue, get_redis

TTL_S = 7 * 86400
QUEUE = "high"


def _key(alert_id: int) -> str:
    return f"alerts:acks:{alert_id}"


def _gate(alert_id: int) -> str:
    return f"alerts:acks:gate:{alert_id}"


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def record(redis, screen_id: int, reports: list[tuple[int, int]], received_ms: int) -> tuple[int, list[int]]:
    """Store (alert id, shown-at ms) reports of one screen in Redis (the first report per alert and screen
    wins). Returns how many were new, and the alerts whose database write must be queued (`queue_persist`):
    those with new reports and no write queued yet. Takes the Redis client: the players' WSGI fast path calls
    it outside any app context."""
    return record_many(redis, [(screen_id, reports)], received_ms)


def record_many(redis, batch: list[tuple[int, list[tuple[int, int]]]], received_ms: int) -> tuple[int, list[int]]:
    """`record` for the reports of several screens ((screen id, reports) pairs) in two round trips whatever
    their number (players.push_acks records the acknowledgements nchan collected in batches)."""
    flat = [(screen_id, alert_id, shown_ms) for screen_id, reports in batch for alert_id, shown_ms in reports]
    if not flat:
        return 0, []
    pipe = redis.pipeline(transaction=False)
    for screen_id, alert_id, shown_ms in flat:
        pipe.hsetnx(_key(alert_id), str(screen_id), f"{int(shown_ms)},{received_ms}")
    for alert_id in sorted({alert_id for _screen, alert_id, _shown in flat}):
        pipe.expire(_key(alert_id), TTL_S)
    added = pipe.execute()[:len(flat)]
    new = sorted({alert_id for (_screen, alert_id, _shown), was_new in zip(flat, added, strict=True) if was_new})
    due = []
    if new:
        gates = redis.pipeline(transaction=False)
        for alert_id in new:
            gates.set(_gate(alert_id), received_ms, nx=True, ex=60)
        due = [alert_id for alert_id, opened in zip(new, gates.execute(), strict=True) if opened]
    return sum(1 for a in added if a), due


def queue_persist(alert_ids: list[int], received_ms: int) -> None:
    """Queue the job writing these alerts' reports to the database (one job id per alert and gate)."""
    for alert_id in alert_ids:
        get_queue(QUEUE).enqueue("alerts.jobs.persist_acks", alert_id, job_id=f"alert-acks-{alert_id}-{received_ms}",
                                 result_ttl=600, failure_ttl=7 * 86400)


def _from_redis(alert_id: int) -> dict[int, tuple[int, int]]:
    raw = get_redis().hgetall(_key(alert_id))
    found = {}
    for screen, value in raw.items():
        shown, _sep, received = value.decode().partition(",")
        found[int(screen)] = (int(shown), int(received))
    return found


def persist(alert_id: int) -> int:
    """Write the reports of `alert_id` the table lacks (the job). Returns how many rows it inserted."""
    get_redis().delete(_gate(alert_id))  # before reading: a report arriving from now on queues another run
    reports = _from_redis(alert_id)
    if not reports or db.session.get(EmergencyAlert, alert_id) is None:
        return 0
    have = set(db.session.scalars(select(AlertAck.screen_id).where(AlertAck.alert_id == alert_id)))
    screens = set(db.session.scalars(select(Screen.id).where(Screen.id.in_(set(reports) - have))))
    rows = [{"alert_id": alert_id, "screen_id": sid, "shown_at": _dt(shown), "received_at": _dt(received)}
            for sid, (shown, received) in sorted(reports.items()) if sid in screens]
    if rows:
        db.session.execute(AlertAck.__table__.insert(), rows)
    db.session.commit()
    return len(rows)


def acks_for(alert_id: int) -> dict[int, tuple[datetime, datetime]]:
    """screen id → (shown at, received at), from the table and from reports not yet written."""
    found = {row.screen_id: (row.shown_at, row.received_at)
             for row in db.session.scalars(select(AlertAck).where(AlertAck.alert_id == alert_id))}
    for screen_id, (shown, received) in _from_redis(alert_id).items():
        found.setdefault(screen_id, (_dt(shown), _dt(received)))
    return found

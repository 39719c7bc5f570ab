"""RQ jobs of the alerts package (queue "high"). Each is idempotent and takes plain ids.

- `expire` — planned at each alert's expiry by `alerts.service.plan_expiry`: ends what is due.
- `persist_acks` — queued by `alerts.acks.record`: writes players' acknowledgements to the database.
- `reconcile` — every RECONCILE_S: ends what is due and publishes from the database (a change whose publish
  failed because Redis was away reaches the screens within a minute; nothing changed: no write).
- `poll_cap_feed` — every ALERTS_CAP_FEED_INTERVAL_S when ALERTS_CAP_FEED_URL is set (`alerts.feed`).

The two periodic jobs are planned when `flask worker` starts (`signage.signals.worker_starting`) and each run
plans its successor, with one job id per time slot, so planning twice never makes two runs.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask, current_app

from alerts import acks, service
from signage.redis_client import get_queue
from signage.signals import worker_starting
from signage.timeutil import utcnow

log = logging.getLogger(__name__)

RECONCILE_S = 60


def expire() -> list[int]:
    return service.expire_due()


def persist_acks(alert_id: int) -> int:
    return acks.persist(alert_id)


def _plan(func: str, every_s: float, name: str, *, now: datetime | None = None) -> datetime | None:
    """Plan `func` at the next multiple of `every_s` (epoch seconds); the job id is the slot."""
    queue = get_queue(service.QUEUE)
    if not queue.is_async:
        return None
    now = now or utcnow()
    slot = int(now.timestamp() // every_s) + 1
    when = datetime.fromtimestamp(slot * every_s, now.tzinfo)
    queue.enqueue_at(when, func, job_id=f"{name}-{slot}", result_ttl=600, failure_ttl=7 * 86400)
    return when


def reconcile() -> list[int]:
    try:
        return service.expire_due()
    finally:
        _plan("alerts.jobs.reconcile", RECONCILE_S, "alerts-reconcile")


def poll_cap_feed() -> dict:
    from alerts import feed

    interval = float(current_app.config["ALERTS_CAP_FEED_INTERVAL_S"])
    try:
        return feed.poll(current_app.config["ALERTS_CAP_FEED_URL"])
    finally:
        if current_app.config["ALERTS_CAP_FEED_URL"]:
            _plan("alerts.jobs.poll_cap_feed", interval, "alerts-cap-feed")


def plan_on_start(sender, **_kwargs) -> None:
    """A starting worker plans the periodic jobs and every expiry of the alerts on air (a flushed Redis lost
    them; planning what is planned changes nothing)."""
    _plan("alerts.jobs.reconcile", RECONCILE_S, "alerts-reconcile")
    if current_app.config["ALERTS_CAP_FEED_URL"]:
        _plan("alerts.jobs.poll_cap_feed", float(current_app.config["ALERTS_CAP_FEED_INTERVAL_S"]),
              "alerts-cap-feed")
    for alert in service.active_alerts():
        service.plan_expiry(alert)


def init_app(app: Flask) -> None:
    worker_starting.connect(plan_on_start, sender=app, weak=False)

"""The nightly RQ job of the reports: roll up every day that got raw rows since the last run (late ones
included), then delete raw rows past their retention. Planned by a starting worker (and by each run for the
next night) on the RQ scheduler, one job id per night (`reports-nightly-YYYYMMDD`), so planning twice never
makes two runs; every step is idempotent, so a re-run after a failure only redoes work."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from flask import Flask

from reports import rollup
from signage.redis_client import get_queue
from signage.signals import worker_starting
from signage.timeutil import local_tz, utcnow

log = logging.getLogger(__name__)

QUEUE = "low"
RUN_AT = time(2, 30)  # local time: after midnight's last plays arrive, before the 03:00 render clean-up
JOB_FUNC = "reports.jobs.nightly_job"
PLANNED_KEY = "reports:nightly:planned"


def next_run(now: datetime) -> datetime:
    local = now.astimezone(local_tz())
    at = datetime.combine(local.date(), RUN_AT, tzinfo=local.tzinfo)
    return at if at > local else at + timedelta(days=1)


def job_id(when: datetime) -> str:
    return f"reports-nightly-{when.astimezone(local_tz()):%Y%m%d}"


def plan(*, replace: bool = False) -> datetime | None:
    queue = get_queue(QUEUE)
    if not queue.is_async:
        return None  # RQ_SYNC (tests): no scheduler; tests call nightly() at the (frozen) time they want
    now = utcnow()
    when = next_run(now)
    ident = job_id(when)
    if not queue.connection.set(PLANNED_KEY, ident, nx=not replace, ex=int((when - now).total_seconds()) + 3600):
        return None
    queue.enqueue_at(when, JOB_FUNC, job_id=ident, job_timeout=3 * 3600, result_ttl=7 * 86400,
                     failure_ttl=30 * 86400, description="reports: nightly roll-up and raw-row retention")
    return when


def nightly(now: datetime) -> dict:
    days = rollup.roll_up_changes(now)
    purged = rollup.purge_raw(now)
    return {"rolled_up": {k: [d.isoformat() for d in v] for k, v in days.items()}, "purged": purged}


def nightly_job() -> dict:
    try:
        return nightly(utcnow())
    finally:
        plan(replace=True)


def _plan_on_start(sender, **_) -> None:
    try:
        plan()
    except Exception:  # housekeeping must never stop a worker from starting
        log.exception("could not plan the reports' nightly run")


def init_app(app: Flask) -> None:
    worker_starting.connect(_plan_on_start, sender=app, weak=False)

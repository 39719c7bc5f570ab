"""The nightly RQ job of the reports: roll up every day that got raw rows since the last run (late ones
included), then delete raw rows past their retention. Planned by a starting worker (and by each run for the
next night) on the RQ scheduler, one job id per night (`reports-nightly-YYYYMMDD`), so planning twice never
makes two runs; every step is idempotent, so a re-run after a failure only redoes work."""

from __future__ import annotations

from datetime import datetime, time

from flask import Flask

from reports import rollup
from signage.periodic import Periodic, daily_at, plan_on_worker_start
from signage.timeutil import utcnow

RUN_AT = time(2, 30)  # local time: after midnight's last plays arrive, before the 03:00 render clean-up
NIGHTLY = Periodic("reports-nightly", "reports.jobs.nightly_job", daily_at(RUN_AT), queue="low",
                   timeout=3 * 3600, result_ttl=7 * 86400, failure_ttl=30 * 86400, slot="%Y%m%d",
                   description="reports: nightly roll-up and raw-row retention")


def nightly(now: datetime) -> dict:
    days = rollup.roll_up_changes(now)
    purged = rollup.purge_raw(now)
    return {"rolled_up": {k: [d.isoformat() for d in v] for k, v in days.items()}, "purged": purged}


def nightly_job() -> dict:
    return NIGHTLY.run(lambda: nightly(utcnow()))


def init_app(app: Flask) -> None:
    plan_on_worker_start(app, NIGHTLY)

"""Jobs that run again and again on the RQ scheduler of `flask worker`, planned one run at a time.

Contract: a `Periodic` has one job id per time slot (`<name>-<slot>`), so planning the same run twice never
makes two runs, and a Redis key remembers what is planned (NX), so a thousand planners cost one write. A
starting worker plans the next run (`plan_on_worker_start`: a flushed or restarted Redis lost the plan; the
next worker start restores it), and each run plans its successor whether it succeeded or failed
(`Periodic.run`). `next_run(now)` is a pure function of `now`. With RQ_SYNC (tests) nothing is planned:
tests call the work at the (frozen) time they want.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypeVar

from flask import Flask

from signage.redis_client import get_queue
from signage.signals import worker_starting
from signage.timeutil import local_tz, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")


def daily_at(at: time) -> Callable[[datetime], datetime]:
    """The next `at` in local time, strictly after `now`."""

    def next_run(now: datetime) -> datetime:
        local = now.astimezone(local_tz())
        run = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
        return run if run > local else datetime.combine(local.date() + timedelta(days=1), at, tzinfo=local.tzinfo)

    return next_run


def every(seconds: float) -> Callable[[datetime], datetime]:
    """The next multiple of `seconds` since the epoch, strictly after `now` (every worker agrees on it)."""

    def next_run(now: datetime) -> datetime:
        return datetime.fromtimestamp((int(now.timestamp() // seconds) + 1) * seconds, now.tzinfo)

    return next_run


@dataclass(frozen=True)
class Periodic:
    name: str  # job ids "<name>-<slot>"; the planned-run key "periodic:<name>"
    func: str  # dotted path of the job function RQ imports
    next_run: Callable[[datetime], datetime]
    queue: str = "low"
    timeout: int = 300
    result_ttl: int = 600
    failure_ttl: int = 86400
    description: str = ""
    slot: str = "%Y%m%d%H%M%S"  # strftime of the local run time

    def job_id(self, when: datetime) -> str:
        return f"{self.name}-{when.astimezone(local_tz()).strftime(self.slot)}"

    def plan(self, *, replace: bool = False, now: datetime | None = None) -> datetime | None:
        """Put the next run on the scheduler unless it is planned (`replace`: a run plans its successor).
        Returns when it runs, or None when nothing was done."""
        queue = get_queue(self.queue)
        if not queue.is_async:
            return None
        now = now or utcnow()
        when = self.next_run(now)
        ident = self.job_id(when)
        ttl = int((when - now).total_seconds()) + max(60, self.timeout)
        if not queue.connection.set(f"periodic:{self.name}", ident, nx=not replace, ex=ttl):
            return None
        queue.enqueue_at(when, self.func, job_id=ident, job_timeout=self.timeout, result_ttl=self.result_ttl,
                         failure_ttl=self.failure_ttl, description=self.description or self.name)
        return when

    def run(self, work: Callable[[], T]) -> T:
        """The body of the job function: do the work, then plan the next run (also after a failure)."""
        try:
            return work()
        finally:
            self.plan(replace=True)


def plan_on_worker_start(app: Flask, *periodics: Periodic, also: Callable[[], object] | None = None) -> None:
    """A starting `flask worker` plans these (and runs `also`, e.g. re-planning one-off jobs); a planning
    failure is logged, never stops the worker."""

    def plan(sender, **_) -> None:
        for periodic in periodics:
            try:
                periodic.plan()
            except Exception:  # housekeeping must never stop a worker from starting
                log.exception("could not plan %s", periodic.name)
        if also is not None:
            try:
                also()
            except Exception:
                log.exception("could not run the start-up planning of %s", app.name)

    worker_starting.connect(plan, sender=app, weak=False)

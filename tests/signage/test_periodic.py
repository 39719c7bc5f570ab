"""Periodic jobs: when the next run is (pure), and that planning the same run twice plans it once."""

from __future__ import annotations

from datetime import UTC, datetime, time

from rq import Queue

from signage.periodic import Periodic, daily_at, every
from signage.redis_client import get_redis


def test_daily_at_is_the_next_local_time_strictly_after_now(app_ctx):
    at_three = daily_at(time(3, 0))
    assert at_three(datetime(2026, 3, 10, 19, 0, tzinfo=UTC)).isoformat() == "2026-03-11T03:00:00+07:00"
    assert at_three(datetime(2026, 3, 10, 19, 59, 59, tzinfo=UTC)).isoformat() == "2026-03-11T03:00:00+07:00"
    assert at_three(datetime(2026, 3, 10, 20, 0, tzinfo=UTC)).isoformat() == "2026-03-12T03:00:00+07:00"  # at 03:00


def test_every_is_the_next_multiple_of_the_period_so_every_worker_agrees():
    minute = every(60)
    assert minute(datetime(2026, 3, 10, 8, 0, 30, tzinfo=UTC)) == datetime(2026, 3, 10, 8, 1, tzinfo=UTC)
    assert minute(datetime(2026, 3, 10, 8, 1, tzinfo=UTC)) == datetime(2026, 3, 10, 8, 2, tzinfo=UTC)


def test_planning_twice_plans_one_run_and_a_run_plans_its_successor_even_when_it_fails(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "RQ_SYNC", False)
    job = Periodic("test-periodic", "builtins.print", every(60), queue="low")
    now = datetime(2026, 3, 10, 8, 0, 30, tzinfo=UTC)
    assert job.plan(now=now) == datetime(2026, 3, 10, 8, 1, tzinfo=UTC)
    assert job.plan(now=now) is None
    planned = Queue("low", connection=get_redis()).scheduled_job_registry.get_job_ids()
    assert planned == ["test-periodic-20260310150100"]

    def failing():
        raise RuntimeError("the work failed")

    try:
        job.run(failing)
    except RuntimeError:
        pass
    assert len(Queue("low", connection=get_redis()).scheduled_job_registry.get_job_ids()) == 2

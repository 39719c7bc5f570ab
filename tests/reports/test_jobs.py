"""The periodic jobs are planned once, under ids derived from when they run: the reports' nightly roll-up
(02:30 local time) and the players' offline sweeper (every minute)."""

from datetime import UTC, datetime

import time_machine
from rq import Queue

from players import sweep
from reports import jobs
from signage.redis_client import get_redis
from signage.signals import worker_starting


def test_the_nightly_run_is_at_half_past_two_local_time():
    assert jobs.NIGHTLY.next_run(datetime(2026, 3, 10, 19, 0, tzinfo=UTC)).isoformat() == "2026-03-11T02:30:00+07:00"
    assert jobs.NIGHTLY.next_run(datetime(2026, 3, 10, 18, 0, tzinfo=UTC)).isoformat() == "2026-03-11T02:30:00+07:00"
    nightly = jobs.NIGHTLY
    assert nightly.job_id(nightly.next_run(datetime(2026, 3, 10, 19, 0, tzinfo=UTC))) == "reports-nightly-20260311"


@time_machine.travel(datetime(2026, 3, 10, 8, 0, 30, tzinfo=UTC), tick=False)
def test_a_starting_worker_plans_each_job_once(app_ctx):
    for _ in range(3):
        worker_starting.send(app_ctx)
    scheduled = [job for name in ("low", "default")
                 for job in Queue(name, connection=get_redis()).scheduled_job_registry.get_job_ids()]
    assert [j for j in scheduled if j.startswith("reports-")] == ["reports-nightly-20260311"]
    # the next minute, named in local time (UTC+7)
    next_sweep = sweep.SWEEP.job_id(datetime(2026, 3, 10, 8, 1, tzinfo=UTC))
    assert [j for j in scheduled if j.startswith("players-offline")] == [next_sweep] == [
        "players-offline-sweep-202603101501"]

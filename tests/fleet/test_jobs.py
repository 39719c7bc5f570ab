"""The fleet's periodic jobs are planned once by a starting worker, under ids derived from when they run:
the evaluation every minute and the technicians' digest daily at FLEET_DIGEST_AT (07:00 local)."""

from datetime import UTC, datetime

import time_machine
from rq import Queue

from signage.redis_client import get_redis
from signage.signals import worker_starting


@time_machine.travel(datetime(2026, 3, 10, 8, 0, 30, tzinfo=UTC), tick=False)  # 15:00:30 in Vietnam
def test_a_starting_worker_plans_the_evaluation_and_the_digest_once(app_ctx):
    for _ in range(3):
        worker_starting.send(app_ctx)
    scheduled = sorted(j for j in Queue("default", connection=get_redis()).scheduled_job_registry.get_job_ids()
                       if j.startswith("fleet-"))
    assert scheduled == ["fleet-digest-20260311", "fleet-evaluate-202603101501"]

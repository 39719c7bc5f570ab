"""RQ jobs of the fleet package (queue "default"). Each is idempotent and takes plain ids.

- `evaluate_job` — every minute (one job id per minute): fleet.service.run — incidents opened and closed,
  notices decided and queued.
- `notify_job(incident_id, event)` — queued with the job id `fleet-notify-<incident>-<event>`
  (fleet.service.queue_notifications): the technicians' emails and SMS about an incident (fleet.notify).
- `digest_job` — daily at FLEET_DIGEST_AT (local): the technicians' digest (email; SMS to those without one).

The periodic ones are planned when `flask worker` starts and each run plans its successor.
"""

from __future__ import annotations

from flask import Flask, current_app

from fleet import notify, service
from signage.periodic import Periodic, daily_at, every, plan_on_worker_start
from signage.timeutil import utcnow

EVALUATE = Periodic("fleet-evaluate", "fleet.jobs.evaluate_job", every(60), queue=service.QUEUE, slot="%Y%m%d%H%M",
                    description="fleet: open and close incidents, queue the technicians' emails")


def _digest() -> Periodic:
    """The digest's time is a setting, so its Periodic is made from the app's configuration."""
    return Periodic("fleet-digest", "fleet.jobs.digest_job", daily_at(current_app.config["FLEET_DIGEST_AT"]),
                    queue=service.QUEUE, slot="%Y%m%d", description="fleet: the technicians' daily digest")


def evaluate_job() -> dict:
    return EVALUATE.run(lambda: vars(service.run(utcnow())))


def notify_job(incident_id: int, event: str) -> int:
    return notify.notify_incident(incident_id, event)


def digest_job() -> int:
    return _digest().run(lambda: notify.send_digests(utcnow()))


def init_app(app: Flask) -> None:
    plan_on_worker_start(app, EVALUATE, also=lambda: _digest().plan())

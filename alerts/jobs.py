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

from flask import Flask, current_app

from alerts import acks, service
from signage.periodic import Periodic, every, plan_on_worker_start

RECONCILE_S = 60


def expire() -> list[int]:
    return service.expire_due()


def persist_acks(alert_id: int) -> int:
    return acks.persist(alert_id)


RECONCILE = Periodic("alerts-reconcile", "alerts.jobs.reconcile", every(RECONCILE_S), queue=service.QUEUE,
                     failure_ttl=7 * 86400, description="alerts: end what is due, publish from the database")


def _cap_feed() -> Periodic:
    """The feed's period is a setting, so its Periodic is made from the app's configuration."""
    return Periodic("alerts-cap-feed", "alerts.jobs.poll_cap_feed",
                    every(float(current_app.config["ALERTS_CAP_FEED_INTERVAL_S"])), queue=service.QUEUE,
                    failure_ttl=7 * 86400, description="alerts: poll the CAP feed")


def reconcile() -> list[int]:
    return RECONCILE.run(service.expire_due)


def poll_cap_feed() -> dict:
    from alerts import feed

    url = current_app.config["ALERTS_CAP_FEED_URL"]
    if not url:  # the feed was switched off: this run does nothing and plans no successor
        return feed.poll(url)
    return _cap_feed().run(lambda: feed.poll(url))


def plan_on_start() -> None:
    """What a starting worker plans besides the reconciliation: the feed (when configured) and every expiry
    of the alerts on air (a flushed Redis lost them; planning what is planned changes nothing)."""
    if current_app.config["ALERTS_CAP_FEED_URL"]:
        _cap_feed().plan()
    for alert in service.active_alerts():
        service.plan_expiry(alert)


def init_app(app: Flask) -> None:
    plan_on_worker_start(app, RECONCILE, also=plan_on_start)

"""Alerts end by themselves: CAP <expires>, the form's time on air. The server ends them at that time (an RQ job,
or the first poll after it) and announces it like a cancel; players drop them on their own clock (see
tests/player/test_alerts_browser.py for a player that lost the controller)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from rq import Queue

from alerts.service import QUEUE, raise_alert
from signage.extensions import db
from signage.timeutil import utcnow
from tests.alerts.conftest import poll

MARKET = "Chợ Phan Thiết"  # BT-PT


def test_the_first_poll_after_the_expiry_ends_the_alert_and_announces_it(app, app_ctx, demo, paired):
    from signage.signals import alert_cancelled

    _, market = paired(MARKET)
    alert = raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Triều cường"},
                        expires_at=utcnow() + timedelta(minutes=5))
    body = poll(app, market)
    tag, [shown] = body.headers["ETag"], body.get_json()["alerts"]
    assert shown["expires_ms"] == int(alert.expires_at.timestamp() * 1000)
    heard = []
    alert_cancelled.connect(receiver := lambda sender, **kw: heard.append(kw), app)
    try:
        with time_machine.travel(utcnow() + timedelta(minutes=4)):
            assert poll(app, market, tag).status_code == 304  # not yet
        with time_machine.travel(utcnow() + timedelta(minutes=5, seconds=1)):
            after = poll(app, market, tag)  # the 304 fast path lets the view answer once an expiry is due
    finally:
        alert_cancelled.disconnect(receiver, app)
    assert after.status_code == 200 and after.get_json()["alerts"] == []
    assert heard == [{"alert_id": alert.id, "user_id": None, "reason": "expired"}]
    db.session.refresh(alert)
    assert alert.ended_reason == "expired" and alert.cancelled_at == alert.expires_at


def test_an_alert_with_an_expiry_plans_the_job_that_ends_it(app, app_ctx, demo):
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Nắng nóng"},
                        expires_at=utcnow() + timedelta(hours=2))
    from signage.redis_client import get_redis

    registry = Queue(QUEUE, connection=get_redis()).scheduled_job_registry
    assert f"alert-expire-{alert.id}-{int(alert.expires_at.timestamp())}" in registry.get_job_ids()


def test_an_emergency_raised_with_a_time_on_air_ends_then(app, login, demo):
    from alerts.models import EmergencyAlert

    response = login("approver").post_form("/alerts/new", {
        "region_id": demo["BT"].id, "severity": "severe", "message_vi": "Nắng nóng gay gắt",
        "duration_min": "90", "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        alert = db.session.scalar(db.select(EmergencyAlert))
        assert alert.expires_at - alert.started_at == timedelta(minutes=90)


def test_ending_twice_announces_once(app, app_ctx, demo):
    from alerts.service import cancel_alert, expire_due

    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão"}, expires_at=utcnow() + timedelta(seconds=30))
    with time_machine.travel(utcnow() + timedelta(minutes=1)):
        assert expire_due() == [alert.id]
        assert expire_due() == []
        assert cancel_alert(alert) is None  # already ended: nothing happens, nothing announced


def test_a_starting_worker_plans_the_reconcile_job_and_every_expiry(app, app_ctx, demo):
    """A flushed Redis lost the plans: the next worker to start makes them again (planning twice plans once)."""
    from alerts import jobs
    from signage.redis_client import get_redis
    from signage.signals import worker_starting

    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Nắng nóng"}, expires_at=utcnow() + timedelta(hours=1))
    get_redis().flushall()
    with time_machine.travel(utcnow(), tick=False):  # both in the same minute
        worker_starting.send(app)
        worker_starting.send(app)
    planned = Queue(QUEUE, connection=get_redis()).scheduled_job_registry.get_job_ids()
    assert f"alert-expire-{alert.id}-{int(alert.expires_at.timestamp())}" in planned
    assert len([i for i in planned if i.startswith("alerts-reconcile-")]) == 1
    assert jobs.reconcile() == []  # nothing due: ends nothing, publishes, plans the next run

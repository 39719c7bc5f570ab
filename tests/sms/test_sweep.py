"""The minute sweep: the database says what is due; Redis losing every job loses nothing. Rows are handed to
batch jobs by compare-and-set, so several sweeps and dispatchers at once send nothing twice."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from signage.extensions import db
from signage.redis_client import get_redis
from sms import dispatch
from sms.jobs import SWEEP, dispatch_campaign, sweep
from sms.models import Campaign, Message
from tests.sms.conftest import vn_time


def _rows(campaign_id: int) -> list[Message]:
    db.session.expire_all()
    return db.session.scalars(select(Message).where(Message.campaign_id == campaign_id)).all()


def test_a_campaign_held_overnight_is_sent_at_7_by_the_sweep_after_redis_lost_everything(
        twilio_app, standin, make_contact, make_campaign):
    for n in range(3):
        make_contact(f"+8491200000{n}")
    with time_machine.travel(vn_time(20, 23), tick=False):
        campaign = make_campaign({"vi": "Khuyến mãi"})
        dispatch_campaign(campaign.id)
    assert {(r.state, r.not_before) for r in _rows(campaign.id)} == {("queued", vn_time(21, 7))}
    get_redis().flushall()  # a restart without persistence: every queued and scheduled job is gone
    with time_machine.travel(vn_time(21, 6, 59), tick=False):
        assert sweep(vn_time(21, 6, 59)) == {}
    with time_machine.travel(vn_time(21, 7), tick=False):
        sweep(vn_time(21, 7))
        sweep(vn_time(21, 7))  # another worker's sweep of the same minute
    assert standin.received() == {f"+8491200000{n}": 1 for n in range(3)}
    assert {r.state for r in _rows(campaign.id)} == {"sent"}
    assert db.session.get(Campaign, campaign.id).status == "done"


def test_a_started_campaign_whose_start_job_was_lost_is_dispatched_by_the_sweep(outbox_app, make_contact,
                                                                               make_campaign):
    make_contact("+84912000001")
    with time_machine.travel(vn_time(20, 9), tick=False):
        campaign = make_campaign({"vi": "Tin"})  # running, never dispatched
        assert list(sweep(vn_time(20, 9))) == [campaign.id]
        assert sweep(vn_time(20, 9)) == {}  # nothing left to do: the next sweep leaves it alone
    assert [r.state for r in _rows(campaign.id)] == ["delivered"]  # the outbox receipt ran inline


def test_rows_are_handed_out_once_until_their_job_should_have_taken_them(outbox_app, make_contact, make_campaign,
                                                                         monkeypatch):
    monkeypatch.setitem(outbox_app.config, "SMS_INFLIGHT_SECONDS", 120)
    for n in range(3):
        make_contact(f"+8491200000{n}")
    now = vn_time(20, 9)
    campaign = make_campaign({"vi": "Tin"})
    dispatch.materialise(campaign, now=now)
    first = dispatch.hand_out(campaign.id, now)
    assert len(first) == 3
    assert dispatch.hand_out(campaign.id, now) == []  # a second dispatcher at the same time gets none
    assert not dispatch.has_work(campaign.id, now + timedelta(seconds=119))
    assert dispatch.hand_out(campaign.id, now + timedelta(seconds=121)) == first  # the job never came


def test_a_starting_worker_plans_the_minute_sweep_and_sweeps_at_once(app_ctx):
    from rq.registry import ScheduledJobRegistry

    from signage.redis_client import get_queue
    from signage.signals import worker_starting

    worker_starting.send(app_ctx)
    queue = get_queue(SWEEP.queue)
    assert any(j.startswith("sms-sweep-2") for j in ScheduledJobRegistry(queue=queue).get_job_ids())
    assert any(j.startswith("sms-sweep-start-") for j in queue.job_ids)


def test_flask_sms_sweep_runs_the_sweep_now(outbox_app, make_contact, make_campaign):
    make_contact("+84912000001")
    campaign = make_campaign({"vi": "Tin"}, kind="public_service")
    result = outbox_app.test_cli_runner().invoke(args=["sms", "sweep"])
    assert result.exit_code == 0 and f"campaign {campaign.id}: " in result.output
    assert [r.state for r in _rows(campaign.id)] == ["delivered"]


def test_one_dispatch_hands_out_what_the_rate_sends_before_the_rows_count_as_lost(outbox_app, make_contact,
                                                                                  make_campaign, monkeypatch):
    for key, value in {"SMS_THROTTLE": 1, "SMS_RATE_MPS": 0.1, "SMS_INFLIGHT_SECONDS": 40, "SMS_BATCH_SIZE": 2}.items():
        monkeypatch.setitem(outbox_app.config, key, value)
    for n in range(5):
        make_contact(f"+8491200000{n}")
    now = vn_time(20, 9)
    campaign = make_campaign({"vi": "Tin"})
    dispatch.materialise(campaign, now=now)
    assert dispatch.hand_out_limit() == 3  # 0.1 msg/s × 40 s × 3/4
    assert len(dispatch.hand_out(campaign.id, now, dispatch.hand_out_limit())) == 3
    assert dispatch.has_work(campaign.id, now)  # the sweep hands out the other two next

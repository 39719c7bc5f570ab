"""Twilio's Retry-After on 429/503: the gateway reports it, and dispatch parks the message, due after the wait,
instead of sleeping in the worker (the others keep going); the retry is scheduled through RQ and the row's due
time is in the database."""

import time
from datetime import timedelta
from email.utils import format_datetime

import pytest
import time_machine
from sqlalchemy import select

from signage.extensions import db
from sms import dispatch
from sms.gateways import GatewayError, OutgoingSms
from sms.gateways.twilio_gateway import TwilioGateway
from sms.jobs import dispatch_campaign
from sms.models import Message
from tests.sms.conftest import SENDER, vn_time
from tests.sms.twilio_standin import ACCOUNT_SID, AUTH_TOKEN

PHONE = "+84912000001"
NOW = vn_time(20, 9)


def _send_error(standin, *response) -> GatewayError:
    """What the gateway raises when Twilio answers `response` (status, code[, Retry-After])."""
    standin.fail(PHONE, response)
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, sender=SENDER, api_base=standin.url)
    with pytest.raises(GatewayError) as raised:
        gateway.send(OutgoingSms(to=PHONE, body="Tin"))
    return raised.value


@pytest.fixture
def slept(monkeypatch):
    """Any sleep on the send path (the worker must not sleep through a wait), recorded instead of slept."""
    calls: list[float] = []
    monkeypatch.setattr(time, "sleep", calls.append)
    return calls


def _row(campaign_id) -> Message:
    db.session.expire_all()
    return db.session.scalar(select(Message).where(Message.campaign_id == campaign_id))


# ------------------------------------------------------------------ the gateway


@pytest.mark.parametrize("status", [429, 503])
def test_gateway_reports_retry_after_given_in_seconds(standin, status):
    assert _send_error(standin, status, 20429, "7").retry_after == 7


def test_gateway_reports_retry_after_given_as_an_http_date(standin):
    with time_machine.travel(NOW, tick=False):
        error = _send_error(standin, 429, 20429, format_datetime(NOW + timedelta(seconds=90), usegmt=True))
    assert error.retry_after == 90


def test_gateway_caps_retry_after_at_five_minutes(standin):
    assert _send_error(standin, 429, 20429, "86400").retry_after == 300


def test_gateway_reports_no_retry_after_when_twilio_sends_none(standin):
    assert _send_error(standin, 429, 20429).retry_after is None


# ------------------------------------------------------------------ dispatch


def test_a_short_retry_after_parks_the_message_and_the_others_keep_going(twilio_app, standin, slept,
                                                                         make_contact, make_campaign):
    make_contact(PHONE)
    make_contact("+84912000002")
    standin.fail(PHONE, (429, 20429, "3"))
    with time_machine.travel(NOW, tick=False):
        campaign = make_campaign({"vi": "Tin"})
        dispatch_campaign(campaign.id)
    db.session.expire_all()
    rows = {r.phone: r for r in db.session.scalars(select(Message).where(Message.campaign_id == campaign.id))}
    assert slept == [] and standin.received() == {"+84912000002": 1}
    assert rows[PHONE].state == "queued" and rows[PHONE].not_before == NOW + timedelta(seconds=3)
    assert rows[PHONE].enqueued_at is None  # not in flight: any dispatcher may hand it out when due
    with time_machine.travel(NOW + timedelta(seconds=3), tick=False):
        dispatch_campaign(campaign.id)
    assert standin.received() == {PHONE: 1, "+84912000002": 1} and rows[PHONE].state == "sent"


def test_a_long_retry_after_queues_the_message_again_until_then(twilio_app, standin, slept, make_contact,
                                                                  make_campaign):
    make_contact(PHONE)
    standin.fail(PHONE, (429, 20429, "120"))
    with time_machine.travel(NOW, tick=False):
        campaign = make_campaign({"vi": "Tin"})
        dispatch_campaign(campaign.id)
    row = _row(campaign.id)
    assert slept == [] and standin.requests == 1  # the worker did not wait
    assert row.state == "queued" and row.not_before == NOW + timedelta(seconds=120)
    with time_machine.travel(NOW + timedelta(seconds=119), tick=False):
        dispatch_campaign(campaign.id)
    assert standin.requests == 1
    with time_machine.travel(NOW + timedelta(seconds=120), tick=False):
        dispatch_campaign(campaign.id)
    assert standin.received() == {PHONE: 1} and _row(campaign.id).state == "sent"


def test_the_retry_after_a_long_wait_is_scheduled_in_rq(twilio_app, standin, slept, make_contact, make_campaign,
                                                         monkeypatch):
    from rq.registry import ScheduledJobRegistry

    from signage.redis_client import get_queue
    from sms import jobs

    make_contact(PHONE)
    standin.fail(PHONE, (429, 20429, "120"))
    with time_machine.travel(NOW, tick=False):
        campaign = make_campaign({"vi": "Tin"})
        dispatch.materialise(campaign, now=NOW)
        monkeypatch.setitem(twilio_app.config, "RQ_SYNC", False)
        jobs.send_batch(campaign.id, dispatch.hand_out(campaign.id, NOW))
    registry = ScheduledJobRegistry(queue=get_queue(jobs.QUEUE))
    when = NOW + timedelta(seconds=120)
    job_id = f"sms-dispatch-{campaign.id}-{int(when.timestamp())}"
    assert registry.get_job_ids() == [job_id]
    assert registry.get_scheduled_time(job_id) == when


def test_attempts_before_a_long_retry_after_count_towards_the_limit(twilio_app, standin, slept, make_contact,
                                                                     make_campaign, monkeypatch):
    monkeypatch.setitem(twilio_app.config, "SMS_MAX_ATTEMPTS", 2)
    make_contact(PHONE)
    standin.fail(PHONE, (429, 20429, "120"), (500, None))
    with time_machine.travel(NOW, tick=False):
        campaign = make_campaign({"vi": "Tin"})
        dispatch_campaign(campaign.id)
    with time_machine.travel(NOW + timedelta(seconds=120), tick=False):
        dispatch_campaign(campaign.id)
    row = _row(campaign.id)
    assert standin.requests == 2 and row.state == "failed" and "2 attempts" in row.error_message

"""A gateway outage: emergency and public-service SMS keep retrying with a capped backoff for
SMS_URGENT_RETRY_HOURS and wait (queued, with the reason) rather than fail; promotional ones give up after
SMS_MAX_ATTEMPTS. No worker sleeps through a wait."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from signage.extensions import db
from sms import dispatch
from sms.jobs import dispatch_campaign
from sms.models import Message
from sms.status import waiting_for_gateway
from tests.sms.conftest import vn_time

PHONE = "+84912000001"
NOW = vn_time(20, 9)


def _row(campaign_id) -> Message:
    db.session.expire_all()
    return db.session.scalar(select(Message).where(Message.campaign_id == campaign_id))


def _dispatch_at(campaign_id, when) -> None:
    with time_machine.travel(when, tick=False):
        dispatch_campaign(campaign_id)


def test_the_backoff_doubles_up_to_its_ceiling_and_a_retry_after_wins():
    assert [dispatch.retry_delay(n, None, base=1, cap=300) for n in (1, 2, 3, 9, 10)] == [1, 2, 4, 256, 300]
    assert dispatch.retry_delay(1, 42, base=1, cap=300) == 42


def test_an_emergency_sms_keeps_waiting_through_an_outage_longer_than_the_attempt_limit(
        twilio_app, standin, make_contact, make_campaign):
    make_contact(PHONE)
    standin.fail(PHONE, *[(503, None)] * 8)
    with time_machine.travel(NOW, tick=False):
        campaign = make_campaign({"vi": "Bão số 9: ở trong nhà"}, kind="emergency")
    for minute in range(8):
        _dispatch_at(campaign.id, NOW + timedelta(minutes=5 * minute))
    row = _row(campaign.id)
    assert standin.requests == 8 and row.attempts == 8  # more than SMS_MAX_ATTEMPTS (5)
    assert row.state == "queued" and row.skip_reason == "gateway_retry" and row.error_message.startswith("waiting")
    assert waiting_for_gateway(campaign.id) == 1
    _dispatch_at(campaign.id, NOW + timedelta(minutes=45))
    row = _row(campaign.id)
    assert row.state == "sent" and row.error_message == "" and standin.received() == {PHONE: 1}
    assert waiting_for_gateway(campaign.id) == 0


def test_an_emergency_sms_fails_once_its_retry_time_is_over(twilio_app, standin, make_contact, make_campaign,
                                                            monkeypatch):
    monkeypatch.setitem(twilio_app.config, "SMS_URGENT_RETRY_HOURS", 1)
    monkeypatch.setitem(twilio_app.config, "SMS_RETRY_BASE_SECONDS", 1)
    make_contact(PHONE)
    standin.fail(PHONE, *[(503, None)] * 10)
    with time_machine.travel(NOW, tick=False):
        campaign = make_campaign({"vi": "Cắt điện"}, kind="public_service")
    _dispatch_at(campaign.id, NOW)
    _dispatch_at(campaign.id, NOW + timedelta(minutes=30))
    _dispatch_at(campaign.id, NOW + timedelta(minutes=59, seconds=50))  # next wait (4 s) still inside the hour
    assert _row(campaign.id).state == "queued"
    _dispatch_at(campaign.id, NOW + timedelta(minutes=59, seconds=55))  # the next (8 s) would end after it
    row = _row(campaign.id)
    assert row.state == "failed" and "gave up after 4 attempts" in row.error_message


def test_a_promotional_sms_gives_up_after_the_attempt_limit(twilio_app, standin, make_contact, make_campaign,
                                                           monkeypatch):
    monkeypatch.setitem(twilio_app.config, "SMS_MAX_ATTEMPTS", 2)
    make_contact(PHONE)
    standin.fail(PHONE, *[(503, None)] * 5)
    with time_machine.travel(NOW, tick=False):
        campaign = make_campaign({"vi": "Khuyến mãi"})
    _dispatch_at(campaign.id, NOW)
    _dispatch_at(campaign.id, NOW + timedelta(minutes=1))
    assert _row(campaign.id).state == "failed" and standin.requests == 2

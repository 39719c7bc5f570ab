"""Reconciliation: a message still "sent" long after it went (its status callback was missed while the controller
was down) is looked up at the gateway — Twilio's message fetch through the real client, the outbox's own
records — and its final status recorded, forward only."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select, update

from signage.extensions import db
from sms.dispatch import reconcile
from sms.jobs import dispatch_campaign
from sms.models import Message, OutboxMessage
from tests.sms.conftest import vn_time

NOW = vn_time(20, 9)


def _rows(campaign_id: int) -> dict[str, Message]:
    db.session.expire_all()
    return {m.phone: m for m in db.session.scalars(select(Message).where(Message.campaign_id == campaign_id))}


def _sent_campaign(make_contact, make_campaign, phones):
    for phone in phones:
        make_contact(phone)
    with time_machine.travel(NOW, tick=False):
        campaign = make_campaign({"vi": "Tin"})
        dispatch_campaign(campaign.id)
    return campaign


def test_a_missed_final_status_is_fetched_from_twilio_and_recorded(twilio_app, standin, make_contact, make_campaign):
    campaign = _sent_campaign(make_contact, make_campaign, ["+84912000001", "+84912000002"])
    rows = _rows(campaign.id)
    standin.set_status(rows["+84912000001"].provider_sid, "undelivered", 30006)
    assert reconcile(NOW + timedelta(minutes=29)) == {"checked": 0, "moved": 0, "unavailable": 0}  # too early
    assert reconcile(NOW + timedelta(minutes=31)) == {"checked": 2, "moved": 1, "unavailable": 0}
    rows = _rows(campaign.id)
    assert (rows["+84912000001"].state, rows["+84912000001"].error_code) == ("undelivered", "30006")
    assert rows["+84912000002"].state == "sent"  # Twilio still holds it


def test_a_message_is_asked_about_once_per_period(twilio_app, standin, make_contact, make_campaign):
    _sent_campaign(make_contact, make_campaign, ["+84912000001"])
    reconcile(NOW + timedelta(minutes=31))
    reconcile(NOW + timedelta(minutes=40))
    assert standin.requests_by_kind["fetch"] == 1
    reconcile(NOW + timedelta(minutes=62))
    assert standin.requests_by_kind["fetch"] == 2


def test_reconciliation_never_moves_a_status_back(twilio_app, standin, make_contact, make_campaign):
    campaign = _sent_campaign(make_contact, make_campaign, ["+84912000001"])
    row = _rows(campaign.id)["+84912000001"]
    db.session.execute(update(Message).where(Message.id == row.id).values(state="delivered"))
    db.session.commit()
    standin.set_status(row.provider_sid, "failed", 30003)
    assert reconcile(NOW + timedelta(minutes=31))["checked"] == 0  # only rows still "sent" are asked about
    assert _rows(campaign.id)["+84912000001"].state == "delivered"


def test_when_twilio_cannot_be_asked_nothing_changes(twilio_app, standin, make_contact, make_campaign):
    campaign = _sent_campaign(make_contact, make_campaign, ["+84912000001"])
    standin.stop()
    assert reconcile(NOW + timedelta(minutes=31))["unavailable"] == 1
    row = _rows(campaign.id)["+84912000001"]
    assert row.state == "sent" and row.checked_at is None  # asked again next time


def test_the_outbox_answers_from_its_own_records(outbox_app, make_contact, make_campaign, monkeypatch):
    from sms.gateways import outbox

    monkeypatch.setattr(outbox, "enqueue_receipt", lambda sid: None)  # the receipt job was lost with Redis
    campaign = _sent_campaign(make_contact, make_campaign, ["+84912000001"])
    db.session.execute(update(OutboxMessage).values(status="delivered"))  # the outbox phone got it
    db.session.commit()
    assert reconcile(NOW + timedelta(minutes=31))["moved"] == 1
    assert _rows(campaign.id)["+84912000001"].state == "delivered"

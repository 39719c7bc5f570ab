"""Rows left in `sending` by a dead worker are never re-sent blindly: the gateway is asked, else a human decides."""

from datetime import timedelta

import time_machine
from sqlalchemy import select, update

from signage.extensions import db
from signage.timeutil import utcnow
from sms.dispatch import recover_stale, resolve_unknown
from sms.gateways import OutgoingSms, get_gateway
from sms.jobs import dispatch_campaign
from sms.models import Message
from tests.sms.conftest import vn_time


def _stuck_message(make_contact, make_campaign, phone="+84912000001"):
    contact = make_contact(phone)
    campaign = make_campaign({"vi": "Tin"}, kind="public_service", running=False)
    msg = Message(campaign_id=campaign.id, contact_id=contact.id, phone=phone, body="Tin công ích", state="sending",
                  claimed_at=utcnow() - timedelta(minutes=10), promotional=False)
    db.session.add(msg)
    db.session.commit()
    return msg


def test_stale_sending_row_found_at_twilio_becomes_sent_without_resending(twilio_app, standin, make_contact,
                                                                        make_campaign):
    msg = _stuck_message(make_contact, make_campaign)
    sid = get_gateway().send(OutgoingSms(to=msg.phone, body=msg.body)).sid  # it did reach Twilio before the crash
    assert recover_stale(msg.campaign_id, utcnow()) == {"sent": 1, "unknown": 0}
    db.session.expire_all()
    row = db.session.get(Message, msg.id)
    assert (row.state, row.provider_sid) == ("sent", sid)
    assert standin.requests == 1


def test_stale_sending_row_twilio_does_not_know_is_flagged_unknown_not_resent(twilio_app, standin, make_contact,
                                                                            make_campaign):
    msg = _stuck_message(make_contact, make_campaign)
    assert recover_stale(msg.campaign_id, utcnow()) == {"sent": 0, "unknown": 1}
    db.session.expire_all()
    row = db.session.get(Message, msg.id)
    assert row.state == "unknown" and row.needs_review and "not retried" in row.error_message
    assert standin.requests == 0


def test_when_twilio_cannot_be_asked_the_row_is_flagged(twilio_app, standin, make_contact, make_campaign):
    msg = _stuck_message(make_contact, make_campaign)
    standin.stop()
    assert resolve_unknown(msg) == "unknown"
    db.session.expire_all()
    assert "lookup unavailable" in db.session.get(Message, msg.id).error_message


def test_a_fresh_sending_row_belongs_to_a_live_worker_and_is_left_alone(twilio_app, standin, make_contact,
                                                                       make_campaign):
    msg = _stuck_message(make_contact, make_campaign)
    db.session.execute(update(Message).where(Message.id == msg.id).values(claimed_at=utcnow()))
    db.session.commit()
    assert recover_stale(msg.campaign_id, utcnow()) == {"sent": 0, "unknown": 0}


def test_outbox_recovery_finds_the_message_by_our_id(outbox_app, make_contact, make_campaign):
    msg = _stuck_message(make_contact, make_campaign)
    get_gateway().send(OutgoingSms(to=msg.phone, body=msg.body, message_id=msg.id))
    assert resolve_unknown(msg) == "sent"


def test_a_late_delivery_receipt_resolves_an_unknown_message(twilio_app, standin, make_contact, make_campaign):
    from sms.status import record_status

    msg = _stuck_message(make_contact, make_campaign)
    resolve_unknown(msg)
    assert record_status(msg.id, "delivered", sid="SMabc")
    db.session.expire_all()
    assert db.session.get(Message, msg.id).state == "delivered"


def test_a_read_timeout_is_ambiguous_and_never_retried(twilio_app, standin, make_contact, make_campaign,
                                                      monkeypatch):
    monkeypatch.setitem(twilio_app.config, "SMS_HTTP_TIMEOUT", 1.0)
    twilio_app.extensions.pop("sms_gateway", None)
    standin.delay = 2.5  # Twilio got it, but the answer comes too late
    make_contact("+84912000001")
    with time_machine.travel(vn_time(20, 9), tick=True):
        campaign = make_campaign({"vi": "Tin"})
        dispatch_campaign(campaign.id)
    row = db.session.scalar(select(Message).where(Message.campaign_id == campaign.id))
    assert standin.requests == 1
    assert row.state == "sent" and row.provider_sid == standin.messages[0]["sid"]  # found by the lookup


def test_a_human_decides_about_an_unknown_message(twilio_app, standin, login, make_contact, make_campaign):
    from signage.models import AuditLog

    msg = _stuck_message(make_contact, make_campaign)
    resolve_unknown(msg)
    operator = login("operator")
    page = f"/sms/campaigns/{msg.campaign_id}"
    assert "Send it again" in operator.get(page).get_data(as_text=True) or "Send it again" in operator.get(
        page + "?lang=en").get_data(as_text=True)
    response = operator.post_form(f"/sms/messages/{msg.id}/resolve", {"action": "resend"}, token_from=page)
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Message, msg.id)
    assert row.state == "sent" and not row.needs_review and standin.received() == {msg.phone: 1}
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity == "sms_message")).after["decision"] == "resend"
    again = operator.post_form(f"/sms/messages/{msg.id}/resolve", {"action": "resend"}, token_from=page)
    assert again.status_code == 409 and standin.received() == {msg.phone: 1}


def test_a_decision_about_an_unknown_message_loses_to_a_receipt_that_came_first(twilio_app, standin, make_contact,
                                                                               make_campaign):
    from sms.status import decide_unknown, record_status

    msg = _stuck_message(make_contact, make_campaign)
    resolve_unknown(msg)
    assert record_status(msg.id, "delivered")  # the late receipt lands while the operator reads the page
    db.session.commit()
    assert decide_unknown(msg.id, "resend", "resend by operator") is False
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Message, msg.id).state == "delivered"

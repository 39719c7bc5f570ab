"""Signed Twilio webhooks: status callbacks move messages forward only; forged requests change nothing."""

import pytest
import time_machine
from sqlalchemy import select

from signage.extensions import db
from sms.jobs import dispatch_campaign
from sms.models import Message, OptOut
from tests.sms.conftest import vn_time


@pytest.fixture
def sent(twilio_app, standin, make_contact, make_campaign):
    make_contact("+84912000001")
    with time_machine.travel(vn_time(20, 9), tick=True):
        campaign = make_campaign({"vi": "Tin"})
        dispatch_campaign(campaign.id)
    message = db.session.scalar(select(Message).where(Message.campaign_id == campaign.id))
    return message, standin.messages[0]


def _state(message_id):
    db.session.expire_all()
    return db.session.get(Message, message_id).state


def _callback(client, standin, record, status, *, url=None, tamper=False, headers=None, error_code=None):
    public = record["status_callback"]
    params = standin.status_params(record, status, error_code)
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(standin.auth_token).compute_signature(url or public, params)
    if tamper:
        params["MessageStatus"] = "failed"
    path = public.split("sms.example.vn", 1)[1]
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature, **(headers or {})})


def test_signed_callbacks_move_the_message_forward(sent, client, standin):
    message, record = sent
    assert _callback(client, standin, record, "delivered").status_code == 204
    assert _state(message.id) == "delivered"


def test_late_duplicate_and_out_of_order_callbacks_cannot_move_back(sent, client, standin):
    message, record = sent
    _callback(client, standin, record, "delivered")
    for status in ("sent", "queued", "sending", "delivered", "undelivered", "failed"):
        assert _callback(client, standin, record, status).status_code == 204
    assert _state(message.id) == "delivered"


def test_forged_or_tampered_callbacks_get_403_and_change_nothing(sent, client, standin):
    message, record = sent
    assert _callback(client, standin, record, "delivered", tamper=True).status_code == 403
    params = standin.status_params(record, "failed")
    assert client.post(record["status_callback"].split("sms.example.vn", 1)[1], data=params).status_code == 403
    bad = client.post("/sms/webhooks/twilio/status?mid=1", data=params, headers={"X-Twilio-Signature": "AAAA"})
    assert bad.status_code == 403
    assert _state(message.id) == "sent"


def test_signature_is_checked_against_the_public_url(sent, client, standin):
    """Twilio signs https://sms.example.vn/... (PUBLIC_BASE_URL); the app itself sees http://localhost/..."""
    message, record = sent
    assert _callback(client, standin, record, "undelivered").status_code == 204
    assert _state(message.id) == "undelivered"


def test_signature_is_checked_against_the_forwarded_url_behind_a_proxy(sent, client, standin, twilio_app,
                                                                       monkeypatch):
    message, record = sent
    monkeypatch.setitem(twilio_app.config, "PUBLIC_BASE_URL", "http://10.0.0.5:8000")
    assert _callback(client, standin, record, "delivered").status_code == 403
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sms.example.vn"}
    assert _callback(client, standin, record, "delivered", headers=forwarded).status_code == 204
    assert _state(message.id) == "delivered"


def test_a_signature_for_another_host_is_rejected(sent, client, standin):
    message, record = sent
    other = record["status_callback"].replace("sms.example.vn", "evil.example.com")
    assert _callback(client, standin, record, "delivered", url=other).status_code == 403
    assert _state(message.id) == "sent"


def test_carrier_opt_out_error_in_a_callback_opts_the_contact_out(sent, client, standin):
    message, record = sent
    _callback(client, standin, record, "failed", error_code="21610")
    assert _state(message.id) == "failed"
    kinds = set(db.session.scalars(select(OptOut.kind).where(OptOut.contact_id == message.contact_id)))
    assert "promotional" in kinds


@pytest.mark.parametrize(("body", "kinds"), [("TC", {"promotional"}), ("huy", {"promotional"}),
                                             ("HỦY", {"promotional"}),
                                             ("STOP", {"promotional", "public_service", "emergency"})])
def test_inbound_opt_out_keywords(twilio_app, standin, client, make_contact, body, kinds):
    from twilio.request_validator import RequestValidator

    contact = make_contact("+84912000001")
    url = "https://sms.example.vn/sms/webhooks/twilio/inbound"
    params = {"From": "+84912000001", "To": "BINHTHUAN", "Body": body, "MessageSid": "SMx"}
    signature = RequestValidator(standin.auth_token).compute_signature(url, params)
    response = client.post("/sms/webhooks/twilio/inbound", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200 and b"<Response>" in response.data
    assert set(db.session.scalars(select(OptOut.kind).where(OptOut.contact_id == contact.id))) == kinds


def test_inbound_other_text_and_forged_inbound_change_nothing(twilio_app, standin, client, make_contact):
    from twilio.request_validator import RequestValidator

    contact = make_contact("+84912000001")
    url = "https://sms.example.vn/sms/webhooks/twilio/inbound"
    params = {"From": "+84912000001", "Body": "Xin chào"}
    signature = RequestValidator(standin.auth_token).compute_signature(url, params)
    assert client.post("/sms/webhooks/twilio/inbound", data=params,
                       headers={"X-Twilio-Signature": signature}).status_code == 200
    forged = {"From": "+84912000001", "Body": "STOP"}
    assert client.post("/sms/webhooks/twilio/inbound", data=forged,
                       headers={"X-Twilio-Signature": signature}).status_code == 403
    assert db.session.scalar(select(OptOut).where(OptOut.contact_id == contact.id)) is None

"""Refusal replies as people type them: keywords match after NFC normalisation with the tone mark on either vowel,
no diacritics at all, and punctuation ignored — but a word typed with diacritics must carry a keyword's own
(the name "Dũng" is not "Dừng"); the refusal is confirmed by SMS (Twilio: in the webhook's TwiML
answer; the outbox: in its phone)."""

from __future__ import annotations

import unicodedata

import pytest
import time_machine
from sqlalchemy import select

from signage.extensions import db
from sms.jobs import dispatch_campaign
from sms.models import Message, OptOut, OutboxMessage
from sms.optouts import fold_keyword, handle_reply
from tests.sms.conftest import vn_time

PHONE = "+84912000001"
INBOUND = "/sms/webhooks/twilio/inbound"

SPELLINGS = {
    "Hủy, tone mark on the u (composed)": "Hủy",
    "Hủy typed in decomposed Unicode": unicodedata.normalize("NFD", "Hủy"),
    "Huỷ, tone mark on the y": "Huỷ",
    "huy without diacritics": "huy",
    "Hủy bỏ, with a second word": "Hủy bỏ",
    "TC. with a full stop": "TC.",
    "Từ chối, spelt out": "Từchối",
    "Dừng (stop)": "Dừng",
    "dung, typed without diacritics": "dung",
}


def _inbound(client, standin, body: str):
    from twilio.request_validator import RequestValidator

    params = {"From": PHONE, "To": "BINHTHUAN", "Body": body, "MessageSid": "SMin"}
    signature = RequestValidator(standin.auth_token).compute_signature("https://sms.example.vn" + INBOUND, params)
    return client.post(INBOUND, data=params, headers={"X-Twilio-Signature": signature})


def _kinds(contact_id: int) -> set[str]:
    return set(db.session.scalars(select(OptOut.kind).where(OptOut.contact_id == contact_id)))


@pytest.mark.parametrize("body", list(SPELLINGS.values()), ids=list(SPELLINGS))
def test_each_spelling_of_a_refusal_opts_out_of_promotional_messages(twilio_app, standin, client, make_contact,
                                                                     body):
    contact = make_contact(PHONE)
    assert _inbound(client, standin, body).status_code == 200
    assert _kinds(contact.id) == {"promotional"}


def test_the_next_promotional_campaign_skips_a_number_that_replied_huy_with_the_mark_on_the_y(
        twilio_app, standin, client, make_contact, make_campaign):
    make_contact(PHONE)
    _inbound(client, standin, "Huỷ")
    with time_machine.travel(vn_time(20, 9), tick=False):
        campaign = make_campaign({"vi": "Khuyến mãi"})
        dispatch_campaign(campaign.id)
    assert standin.received() == {}
    assert db.session.scalar(select(Message).where(Message.campaign_id == campaign.id)) is None  # not in the audience


def test_the_refusal_is_confirmed_in_the_twiml_answer_in_the_contacts_language(twilio_app, standin, client,
                                                                              make_contact):
    make_contact(PHONE, "vi")
    make_contact("+84912000002", "en")
    answer = _inbound(client, standin, "TC.").get_data(as_text=True)
    assert "<Message>Bạn đã từ chối nhận tin quảng cáo từ BINHTHUAN.</Message>" in answer
    from twilio.request_validator import RequestValidator

    params = {"From": "+84912000002", "Body": "tc"}
    signature = RequestValidator(standin.auth_token).compute_signature("https://sms.example.vn" + INBOUND, params)
    english = client.post(INBOUND, data=params, headers={"X-Twilio-Signature": signature}).get_data(as_text=True)
    assert "<Message>You have refused promotional messages from BINHTHUAN.</Message>" in english


def test_twilios_own_stop_words_get_no_second_confirmation(twilio_app, standin, client, make_contact):
    contact = make_contact(PHONE)
    answer = _inbound(client, standin, "STOP").get_data(as_text=True)
    assert "<Message>" not in answer and _kinds(contact.id) == {"promotional", "public_service", "emergency"}


@pytest.mark.parametrize("body", ["Hùng", "Xin chào", "TCB", "Dũng", "Dũng đây, cảm ơn"])
def test_other_replies_change_nothing(twilio_app, standin, client, make_contact, body):
    contact = make_contact(PHONE)
    assert "<Message>" not in _inbound(client, standin, body).get_data(as_text=True)
    assert _kinds(contact.id) == set()


def test_the_outbox_phone_receives_the_confirmation(outbox_app, make_contact):
    make_contact(PHONE)
    assert handle_reply(PHONE, "Huỷ", source="keyword") == "HUY"
    out = db.session.scalars(select(OutboxMessage).where(OutboxMessage.phone == PHONE)).all()
    assert [m.body for m in out] == ["Bạn đã từ chối nhận tin quảng cáo từ OUTBOX."]


def test_both_tone_mark_placements_and_decomposed_input_fold_to_one_keyword():
    spellings = ["Hủy", "Huỷ", unicodedata.normalize("NFD", "Hủy"), unicodedata.normalize("NFD", "Huỷ"), "HUY"]
    assert {fold_keyword(s) for s in spellings} == {"HUY"}

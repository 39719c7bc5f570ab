"""Twilio and Vietnam's carriers: ValidityPeriod on promotional SMS (until 22:00, within Twilio's cap), promotional
SMS only from the registered brandname, the keyword refusal instruction, the Messaging Service, and the carrier
answers 30003/30005/30006/30007 (summed per campaign; a number answered 30005/30006 repeatedly gets no more)."""

from __future__ import annotations

import time_machine
from sqlalchemy import select

from signage.extensions import db
from sms.compliance import validity_seconds, with_optout
from sms.jobs import dispatch_campaign
from sms.models import Message
from sms.status import carrier_errors, record_status
from tests.sms.conftest import VN, vn_time

PHONE = "+84912000001"
LINK = "https://sms.example.vn/sms/o/ab-12"
MESSAGING_SERVICE = "MG" + "1" * 32


def _send(make_campaign, when, kind="promotional", text="Lễ hội"):
    with time_machine.travel(when, tick=False):
        campaign = make_campaign({"vi": text}, kind=kind)
        return campaign, dispatch_campaign(campaign.id)


def test_validity_runs_until_22_local_time():
    assert validity_seconds(vn_time(20, 20), VN) == 7200
    assert validity_seconds(vn_time(20, 21, 59), VN) == 60
    assert validity_seconds(vn_time(20, 23), VN) == 0


def test_a_promotional_sms_expires_at_22_at_twilio_and_a_public_service_one_does_not(twilio_app, standin,
                                                                                    make_contact, make_campaign):
    make_contact(PHONE)
    _send(make_campaign, vn_time(20, 20))
    _send(make_campaign, vn_time(20, 20, 1), kind="public_service", text="Cắt điện")
    assert [m["validity_period"] for m in standin.messages] == ["7200", None]


def test_a_morning_promotional_sms_gets_twilios_longest_validity(twilio_app, standin, make_contact, make_campaign):
    make_contact(PHONE)
    _send(make_campaign, vn_time(20, 9))
    assert standin.messages[0]["validity_period"] == "36000"  # 13 h to 22:00, Twilio allows 10 h


def test_promotional_sms_go_from_the_brandname_and_others_from_the_configured_sender(
        twilio_app, standin, make_contact, make_campaign, monkeypatch):
    monkeypatch.setitem(twilio_app.config, "SMS_BRANDNAME", "BINHTHUAN")
    monkeypatch.setitem(twilio_app.config, "TWILIO_FROM", "+84901234567")
    twilio_app.extensions.pop("sms_gateway", None)
    make_contact(PHONE)
    _send(make_campaign, vn_time(20, 9))
    _send(make_campaign, vn_time(20, 9, 1), kind="public_service", text="Cắt điện")
    assert [m["from"] for m in standin.messages] == ["BINHTHUAN", "+84901234567"]


def test_a_phone_number_as_brandname_refuses_promotional_campaigns_with_a_clear_message(
        twilio_app, standin, make_contact, make_campaign, monkeypatch):
    monkeypatch.setitem(twilio_app.config, "SMS_BRANDNAME", "+84901234567")
    make_contact(PHONE)
    campaign, outcome = _send(make_campaign, vn_time(20, 9))
    assert "registered brandname" in outcome["refused"] and "'+84901234567'" in outcome["refused"]
    assert standin.requests == 0 and campaign.status == "running"  # sent once the setting is corrected
    _, public = _send(make_campaign, vn_time(20, 9, 1), kind="public_service", text="Cắt điện")
    assert "refused" not in public and standin.requests == 1


def test_the_messaging_service_sends_everything_but_promotional_sms_under_a_brandname(
        twilio_app, standin, make_contact, make_campaign, monkeypatch):
    monkeypatch.setitem(twilio_app.config, "TWILIO_MESSAGING_SERVICE_SID", MESSAGING_SERVICE)
    monkeypatch.setitem(twilio_app.config, "SMS_BRANDNAME", "BINHTHUAN")
    twilio_app.extensions.pop("sms_gateway", None)
    make_contact(PHONE)
    _send(make_campaign, vn_time(20, 9, 1), kind="public_service", text="Cắt điện")
    _send(make_campaign, vn_time(20, 9))
    got = [(m["messaging_service_sid"], m["from"]) for m in standin.messages]
    assert got == [(MESSAGING_SERVICE, None), (None, "BINHTHUAN")]


def test_the_keyword_instruction_replaces_or_joins_the_link():
    instruction = "Soạn TC gửi BINHTHUAN"
    assert with_optout("Lễ hội", LINK, "vi", instruction=instruction, method="keyword") == f"Lễ hội {instruction}"
    both = with_optout("Lễ hội", LINK, "vi", instruction=instruction, method="both")
    assert both.startswith(f"Lễ hội {instruction} ") and both.endswith(LINK)
    assert with_optout("Lễ hội. {optout}", LINK, "vi", instruction=instruction,
                       method="keyword") == f"Lễ hội. {instruction}"
    assert with_optout("Lễ hội", LINK, "vi", instruction="", method="keyword").endswith(LINK)  # never no method


def test_the_province_instruction_is_printed_in_promotional_bodies(twilio_app, standin, make_contact,
                                                                  make_campaign, monkeypatch):
    monkeypatch.setitem(twilio_app.config, "SMS_OPTOUT_METHOD", "keyword")
    monkeypatch.setitem(twilio_app.config, "SMS_OPTOUT_INSTRUCTION", "Soạn TC gửi BINHTHUAN")
    make_contact(PHONE)
    _send(make_campaign, vn_time(20, 9))
    assert standin.messages[0]["body"] == "[QC] Lễ hội Soạn TC gửi BINHTHUAN"


def _failed_with(make_campaign, code: str, when) -> int:
    campaign, _ = _send(make_campaign, when, kind="public_service", text="Tin")
    msg = db.session.scalar(select(Message).where(Message.campaign_id == campaign.id))
    record_status(msg.id, "undelivered", sid=msg.provider_sid, error_code=code)
    return campaign.id


def test_carrier_answers_are_summed_per_campaign(twilio_app, standin, make_contact, make_campaign):
    make_contact(PHONE)
    make_contact("+84912000002")
    campaign, _ = _send(make_campaign, vn_time(20, 9))
    rows = db.session.scalars(select(Message).where(Message.campaign_id == campaign.id)).all()
    for row, code in zip(rows, ["30007", "30003"], strict=True):
        record_status(row.id, "undelivered", sid=row.provider_sid, error_code=code)
    assert carrier_errors(campaign.id) == {"30003": 1, "30005": 0, "30006": 0, "30007": 1}


def test_a_number_answered_30005_or_30006_twice_gets_no_more_sms_except_emergencies(twilio_app, standin,
                                                                                  make_contact, make_campaign):
    make_contact(PHONE)
    _failed_with(make_campaign, "30005", vn_time(20, 9))
    _failed_with(make_campaign, "30006", vn_time(20, 10))
    campaign, _ = _send(make_campaign, vn_time(20, 11), kind="public_service", text="Tin")
    row = db.session.scalar(select(Message).where(Message.campaign_id == campaign.id))
    assert (row.state, row.skip_reason) == ("skipped", "unreachable") and standin.requests == 2
    _send(make_campaign, vn_time(20, 12), kind="emergency", text="Bão")
    assert standin.requests == 3


def test_carrier_filtering_is_shown_prominently_on_the_campaign_page(twilio_app, standin, login, make_contact,
                                                                     make_campaign):
    make_contact(PHONE)
    campaign, _ = _send(make_campaign, vn_time(20, 9))
    row = db.session.scalar(select(Message).where(Message.campaign_id == campaign.id))
    record_status(row.id, "undelivered", sid=row.provider_sid, error_code="30007")
    page = login("operator").get(f"/sms/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'id="carrier-filtering" role="alert"' in page and "30007" in page
    assert "30007: 1" in page

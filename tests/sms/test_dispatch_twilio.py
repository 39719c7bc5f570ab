"""Dispatch through the real twilio client to the local stand-in of Twilio's Messages API."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from signage.extensions import db
from sms.jobs import dispatch_campaign
from sms.models import Message, OptOut
from tests.sms.conftest import SENDER, vn_time


def _messages(campaign_id):
    db.session.expire_all()
    return {m.phone: m for m in db.session.scalars(select(Message).where(Message.campaign_id == campaign_id))}


def test_each_contact_gets_one_labelled_message_in_their_language(twilio_app, standin, make_contact, make_campaign):
    make_contact("+84912000001", "vi", name="Lan")
    make_contact("+447700900001", "en")
    make_contact("+79123456789", "ru")  # no Russian text: Vietnamese
    campaign = make_campaign({"vi": "Chào {name}! {event} tại Mũi Né.", "en": "Hi! {event} in Mui Ne."},
                             event="Lễ hội")
    with time_machine.travel(vn_time(20, 10), tick=True):
        dispatch_campaign(campaign.id)
        dispatch_campaign(campaign.id)  # running it again sends nothing twice
    got = {m["to"]: m for m in standin.messages}
    assert standin.received() == {"+84912000001": 1, "+447700900001": 1, "+79123456789": 1}
    assert got["+84912000001"]["body"].startswith("[QC] Chào Lan! Lễ hội tại Mũi Né.")
    assert got["+447700900001"]["body"].startswith("[AD] Hi! Lễ hội in Mui Ne.")
    assert got["+79123456789"]["body"].startswith("[QC] ")
    assert all("https://sms.example.vn/sms/o/" in m["body"] for m in got.values())
    assert all(m["from"] == SENDER for m in got.values())
    rows = _messages(campaign.id)
    assert {m.state for m in rows.values()} == {"sent"}
    assert all(m.provider_sid.startswith("SM") for m in rows.values())
    assert all(m["status_callback"].endswith(f"?mid={rows[m['to']].id}") for m in got.values())


def test_messaging_service_sid_is_used_when_configured(twilio_app, standin, make_contact, make_campaign, monkeypatch):
    monkeypatch.setitem(twilio_app.config, "TWILIO_MESSAGING_SERVICE_SID", "MG" + "1" * 32)
    make_contact("+84912000001")
    campaign = make_campaign({"vi": "Tin"}, kind="public_service")
    dispatch_campaign(campaign.id)
    assert standin.messages[0]["messaging_service_sid"] == "MG" + "1" * 32
    assert standin.messages[0]["from"] is None


def test_promotional_due_at_night_waits_for_7am(twilio_app, standin, make_contact, make_campaign):
    make_contact("+84912000001")
    with time_machine.travel(vn_time(20, 22, 30), tick=True):
        campaign = make_campaign({"vi": "Khuyến mãi"})
        dispatch_campaign(campaign.id)
    assert standin.messages == []
    row = _messages(campaign.id)["+84912000001"]
    assert row.state == "queued" and row.not_before == vn_time(21, 7)
    with time_machine.travel(vn_time(21, 6, 59), tick=True):
        dispatch_campaign(campaign.id)
    assert standin.messages == []
    with time_machine.travel(vn_time(21, 7, 0), tick=True):
        dispatch_campaign(campaign.id)
    assert standin.received() == {"+84912000001": 1}


def test_emergency_goes_out_at_night_without_label(twilio_app, standin, make_contact, make_campaign):
    make_contact("+84912000001", consent=False)
    with time_machine.travel(vn_time(20, 23, 30), tick=True):
        campaign = make_campaign({"vi": "CẢNH BÁO: áp thấp nhiệt đới."}, kind="emergency")
        dispatch_campaign(campaign.id)
    assert [m["body"] for m in standin.messages] == ["CẢNH BÁO: áp thấp nhiệt đới."]


def test_fourth_promotional_message_in_24h_is_deferred(twilio_app, standin, make_contact, make_campaign):
    make_contact("+84912000001")
    with time_machine.travel(vn_time(20, 9), tick=True):
        for n in range(4):
            campaign = make_campaign({"vi": f"Tin {n}"})
            dispatch_campaign(campaign.id)
    assert standin.received()["+84912000001"] == 3
    last = _messages(campaign.id)["+84912000001"]
    assert last.state == "queued" and last.skip_reason == "daily_cap"
    assert last.not_before == vn_time(21, 9, 0).replace(microsecond=0) or last.not_before > vn_time(21, 8, 59)


def test_opted_out_and_suppressed_and_unconsented_numbers_get_nothing(twilio_app, standin, make_contact,
                                                                       make_campaign):
    from sms.models import SuppressionEntry
    from sms.optouts import opt_out

    out = make_contact("+84912000001")
    make_contact("+84912000002", consent=False)
    make_contact("+84912000003")
    make_contact("+84912000004")
    opt_out(out.id, ("promotional",), "link")
    db.session.add(SuppressionEntry(list_name="national-dnc", phone="+84912000003"))
    db.session.commit()
    with time_machine.travel(vn_time(20, 9), tick=True):
        dispatch_campaign(make_campaign({"vi": "Tin"}).id)
    assert standin.received() == {"+84912000004": 1}


def _dispatch_until_settled(campaign_id, start, runs=6):
    """Run the dispatcher as its follow-ups would, a minute apart (parked rows are due by then)."""
    for n in range(runs):
        with time_machine.travel(start + timedelta(minutes=n), tick=False):
            dispatch_campaign(campaign_id)


def test_429_and_5xx_are_retried_then_sent(twilio_app, standin, make_contact, make_campaign):
    make_contact("+84912000001")
    standin.fail("+84912000001", (429, 20429), (503, None))
    with time_machine.travel(vn_time(20, 9), tick=False):
        campaign = make_campaign({"vi": "Tin"})
    _dispatch_until_settled(campaign.id, vn_time(20, 9))
    assert standin.requests == 3 and standin.received() == {"+84912000001": 1}
    row = _messages(campaign.id)["+84912000001"]
    assert row.state == "sent"


def test_retries_give_up_after_the_configured_attempts(twilio_app, standin, make_contact, make_campaign, monkeypatch):
    monkeypatch.setitem(twilio_app.config, "SMS_MAX_ATTEMPTS", 3)
    make_contact("+84912000001")
    standin.fail("+84912000001", *[(500, None)] * 5)
    with time_machine.travel(vn_time(20, 9), tick=False):
        campaign = make_campaign({"vi": "Tin"})
    _dispatch_until_settled(campaign.id, vn_time(20, 9))
    row = _messages(campaign.id)["+84912000001"]
    assert standin.requests == 3 and row.state == "failed" and "3 attempts" in row.error_message


def test_permanent_errors_are_recorded_not_retried_and_21610_opts_out(twilio_app, standin, make_contact,
                                                                     make_campaign):
    for n, code in enumerate((21211, 21610, 21614), start=1):
        make_contact(f"+8491200000{n}")
        standin.fail(f"+8491200000{n}", (400, code))
    with time_machine.travel(vn_time(20, 9), tick=True):
        campaign = make_campaign({"vi": "Tin"})
        dispatch_campaign(campaign.id)
    assert standin.requests == 3 and standin.messages == []
    rows = _messages(campaign.id)
    assert {p: (m.state, m.error_code) for p, m in rows.items()} == {
        "+84912000001": ("failed", "21211"), "+84912000002": ("failed", "21610"), "+84912000003": ("failed", "21614")}
    opted = db.session.scalars(select(OptOut.kind).where(OptOut.contact_id == rows["+84912000002"].contact_id))
    assert set(opted) == {"promotional", "public_service", "emergency"}


def test_message_rows_are_unique_per_campaign_and_contact(twilio_app, make_contact, make_campaign):
    import pytest
    from sqlalchemy.exc import IntegrityError

    contact = make_contact("+84912000001")
    campaign = make_campaign({"vi": "Tin"}, running=False)
    db.session.add(Message(campaign_id=campaign.id, contact_id=contact.id, phone=contact.phone))
    db.session.commit()
    db.session.add(Message(campaign_id=campaign.id, contact_id=contact.id, phone=contact.phone))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_emergency_broadcast_reaches_everyone_in_the_area_at_night(twilio_app, standin, make_contact, demo):
    from sms.broadcast import send_emergency

    make_contact("+84912000001", region="BT-PT-MN", consent=False)
    make_contact("+84912000002", region="BT-PT", kind="resident")
    make_contact("+84912000003", region="BT-HT")  # outside the area
    with time_machine.travel(vn_time(20, 2, 0), tick=True):
        send_emergency(demo["BT-PT"].id, {"vi": "CẢNH BÁO: triều cường.", "en": "WARNING: high tide."},
                       name="Triều cường")
    assert standin.received() == {"+84912000001": 1, "+84912000002": 1}
    assert {m["body"] for m in standin.messages} == {"CẢNH BÁO: triều cường."}


def test_rows_deferred_at_night_do_not_wait_for_throttle_tokens(twilio_app, standin, make_contact, make_campaign,
                                                                monkeypatch):
    import time

    monkeypatch.setitem(twilio_app.config, "SMS_THROTTLE", 1)
    monkeypatch.setitem(twilio_app.config, "SMS_RATE_MPS", 2)
    for n in range(20):
        make_contact(f"+849120000{n:02d}")
    with time_machine.travel(vn_time(20, 23), tick=True):
        campaign = make_campaign({"vi": "Khuyến mãi"})
        start = time.monotonic()
        dispatch_campaign(campaign.id)
        assert time.monotonic() - start < 5  # 20 rows at 2 msg/s would take 10 s if they took tokens
    assert standin.messages == [] and {m.state for m in _messages(campaign.id).values()} == {"queued"}

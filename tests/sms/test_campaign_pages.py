"""What an operator sees on the SMS pages (issue 12): approval that really sends, confirmations, a progress bar,
local times, translated codes, fallback languages, VND, and labelled inputs."""

import re
from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from signage.extensions import db
from sms.models import Campaign, Message, OptOut
from tests.sms.conftest import vn_time


def _form(region_id, **extra):
    data = {"name": "Lễ hội biển", "region_id": region_id, "kind": "public_service",
            "message_vi": "Lễ hội biển Mũi Né khai mạc 20/12.", "schedule_mode": "now", "send_time": "09:00",
            "offset_days": "1"}
    data.update(extra)
    return data


def _submitted(login, demo, **extra) -> tuple[int, str]:
    operator = login("phanthiet")
    url = operator.post_form("/sms/campaigns/new", _form(demo["BT-PT"].id, **extra)).headers["Location"]
    operator.post_form(url + "/submit", {}, token_from=url)
    return int(url.rsplit("/", 1)[1]), url


def test_approving_a_send_now_campaign_sends_it_without_another_click(outbox_app, login, demo, make_contact):
    make_contact("+84912000001", region="BT-PT")
    cid, url = _submitted(login, demo)
    approver = login("approver")
    answer = approver.post_form(url + "/approve", {"comment": "OK"}, token_from=url)
    db.session.expire_all()
    campaign = db.session.get(Campaign, cid)
    assert campaign.status in ("running", "done") and campaign.started_at is not None
    assert db.session.scalar(select(Message.state).where(Message.campaign_id == cid)) in ("sent", "delivered")
    page = approver.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Sending has started" in page or "Đã bắt đầu gửi" in page


def test_a_recurring_campaign_still_waits_for_start_after_approval(outbox_app, login, demo, make_contact):
    make_contact("+84912000001", region="BT-PT")
    cid, url = _submitted(login, demo, schedule_mode="recurring", weekdays=["0"])
    login("approver").post_form(url + "/approve", {"comment": "OK"}, token_from=url)
    db.session.expire_all()
    assert db.session.get(Campaign, cid).status == "draft"


def test_submit_and_approve_ask_for_confirmation_naming_recipients_and_cost(outbox_app, login, demo, make_contact):
    make_contact("+84912000001", region="BT-PT")
    operator = login("phanthiet")
    url = operator.post_form("/sms/campaigns/new", _form(demo["BT-PT"].id)).headers["Location"]
    html = operator.get(url).get_data(as_text=True)
    submit = re.search(r'<form[^>]*campaign[^>]*/submit"[^>]*data-confirm="([^"]+)"', html).group(1)
    assert "Lễ hội biển" in submit and "1" in submit and "VND" in submit
    assert "confirm.js" in html
    operator.post_form(url + "/submit", {}, token_from=url)
    approver_page = login("approver").get(url).get_data(as_text=True)
    approve = re.search(r'/approve"[^>]*data-confirm="([^"]+)"', approver_page).group(1)
    assert "Lễ hội biển" in approve


def test_sending_shows_a_progress_bar_with_translated_counts(outbox_app, login, demo, make_contact):
    for n in range(4):
        make_contact(f"+8491200000{n}", region="BT-PT")
    cid, url = _submitted(login, demo)
    approver = login("approver")
    approver.post_form(url + "/approve", {"comment": "OK"}, token_from=url)
    html = approver.get(url).get_data(as_text=True)
    assert 'role="progressbar"' in html and 'aria-valuemax="4"' in html
    assert not re.search(r"\b(delivered|sent|queued): \d", html)
    state = approver.get(f"/sms/campaigns/{cid}/progress.json").get_json()
    assert state["total"] == 4 and state["handled"] == 4 and state["summary"]


def test_times_are_local_and_the_zone_is_named(outbox_app, login, make_contact):
    from sms.gateways import OutgoingSms, get_gateway

    with time_machine.travel(datetime(2026, 12, 2, 1, 5, tzinfo=UTC), tick=False):
        contact = make_contact("+84912000001", region="BT-PT")
        get_gateway().send(OutgoingSms(to=contact.phone, body="Xin chào"))
    operator = login("phanthiet")
    thread = operator.get("/sms/outbox/+84912000001").get_data(as_text=True)
    shown_text = re.sub(r"<[^>]+>", " ", thread)
    assert "02/12 08:05" in shown_text and "01:05" not in shown_text and "Asia/Ho_Chi_Minh" in shown_text
    shown = operator.get(f"/sms/contacts/{contact.id}").get_data(as_text=True)
    assert "02/12/2026 08:05" in shown and " UTC<" not in shown and "Asia/Ho_Chi_Minh" in shown
    assert "08:05" in operator.get("/sms/outbox").get_data(as_text=True)


def test_stored_codes_are_shown_as_translated_labels(outbox_app, login, make_contact):
    contact = make_contact("+84912000001", region="BT-PT", kind="tourist")
    db.session.add(OptOut(contact_id=contact.id, kind="promotional", source="link"))
    db.session.commit()
    operator = login("phanthiet")
    listing = operator.get("/sms/contacts").get_data(as_text=True)
    row = re.search(r"<tr><td><a[^>]*>\+84912000001</a>(.*?)</tr>", listing, re.S).group(1)
    assert ">tourist<" not in row and ">promotional<" not in row
    assert "Khách du lịch" in row or "Tourist" in row
    shown = operator.get(f"/sms/contacts/{contact.id}").get_data(as_text=True)
    optouts = re.search(r'<ul id="optouts">(.*?)</ul>', shown, re.S).group(1)
    assert "promotional" not in re.sub(r'data-kind="[^"]*"', "", optouts)
    source = re.search(r'<td data-source="operator">(.*?)</td>', shown).group(1)
    assert source not in ("operator", "")


def test_the_preview_counts_fallback_languages_and_offers_to_add_the_texts(outbox_app, login, demo, make_contact):
    for n, lang in enumerate(("ru", "zh", "ko", "en", "vi")):
        make_contact(f"+8491200000{n}", lang, region="BT-PT")
    operator = login("phanthiet")
    url = operator.post_form("/sms/campaigns/new", _form(
        demo["BT-PT"].id, message_en="Mui Ne sea festival opens 20 Dec.")).headers["Location"]
    html = operator.get(url).get_data(as_text=True)
    box = re.search(r'<div[^>]*id="fallbacks".*?</div>', html, re.S).group(0)
    assert re.search(r"\b3\b", box) and all(f'data-fallback="{c}"' in box for c in ("ru", "zh", "ko"))
    assert 'data-fallback="en"' not in box
    assert "/edit#message_ru" in box


def test_costs_are_shown_in_vnd_as_well_at_the_configured_rate(outbox_app, login, demo, make_contact,
                                                               monkeypatch):
    monkeypatch.setitem(outbox_app.config, "SMS_VND_PER_USD", 25000)
    monkeypatch.setitem(outbox_app.config, "SMS_PRICE_PER_SEGMENT", 0.1)
    for n in range(2):
        make_contact(f"+8491200000{n}", region="BT-PT")
    operator = login("phanthiet")
    url = operator.post_form("/sms/campaigns/new", _form(demo["BT-PT"].id)).headers["Location"]
    estimate = re.search(r'<p id="estimate".*?</p>', operator.get(url).get_data(as_text=True), re.S).group(0)
    assert "0.20 USD" in estimate and "5 000 VND" in estimate


def test_the_contacts_search_and_the_reject_comment_have_labels(outbox_app, login, demo):
    operator = login("phanthiet")
    contacts = operator.get("/sms/contacts").get_data(as_text=True)
    search = re.search(r'<input[^>]*name="q"[^>]*>', contacts).group(0)
    ident = re.search(r'id="([^"]+)"', search).group(1)
    assert f'<label for="{ident}"' in contacts
    _cid, url = _submitted(login, demo)
    page = login("approver").get(url).get_data(as_text=True)
    for field in re.findall(r'<input[^>]*name="comment"[^>]*>', page):
        ident = re.search(r'id="([^"]+)"', field).group(1)
        assert f'<label for="{ident}"' in page


def test_a_campaign_at_a_set_time_starts_on_approval_and_waits_for_its_time(outbox_app, login, demo, make_contact):
    make_contact("+84912000001", region="BT-PT")
    with time_machine.travel(vn_time(2, 9), tick=False):
        cid, url = _submitted(login, demo, schedule_mode="at", send_at="2026-12-03T10:00")
        login("approver").post_form(url + "/approve", {"comment": "OK"}, token_from=url)
    db.session.expire_all()
    assert db.session.get(Campaign, cid).status == "running"
    message = db.session.scalar(select(Message).where(Message.campaign_id == cid))
    assert message.state == "queued" and message.not_before == vn_time(3, 10)


def test_the_campaign_form_names_the_zone_of_its_times(outbox_app, login):
    html = login("phanthiet").get("/sms/campaigns/new").get_data(as_text=True)
    send_at = re.search(r'<div class="field[^"]*">\s*<label for="send_at".*?</div>', html, re.S).group(0)
    assert "Asia/Ho_Chi_Minh (UTC+07:00)" in send_at

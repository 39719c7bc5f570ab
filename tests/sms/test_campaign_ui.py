"""Operators compose, preview, get approval and start campaigns; district operators stay in their district."""

from datetime import date

import time_machine
from sqlalchemy import select

from signage.extensions import db
from sms.models import Campaign, Message, OptOut, SuppressionEntry
from tests.sms.conftest import vn_time


def _form(region_id, **extra):
    data = {"name": "Tuần lễ du lịch", "region_id": region_id, "kind": "promotional",
            "message_vi": "Chào {name}! Tuần lễ văn hóa du lịch {event} từ 20/12, nhiều hoạt động hấp dẫn.",
            "message_en": "Hi {name}! {event} culture week from 20 Dec.", "event": "Mui Ne",
            "schedule_mode": "now", "send_time": "09:00", "offset_days": "1"}
    data.update(extra)
    return data


def test_preview_counts_what_each_filter_removed_and_segments_and_cost(outbox_app, login, demo, make_contact):
    for n in range(3):
        make_contact(f"+8491200000{n}", "vi", region="BT-PT", tags=["beach"])
    make_contact("+84912000010", "en", region="BT-PT-MN", tags=["beach"])
    make_contact("+84912000011", "vi", region="BT-HT", tags=["beach"])  # other district
    make_contact("+84912000012", "vi", region="BT-PT", tags=["city"])  # tag filter
    make_contact("+84912000013", "vi", region="BT-PT", tags=["beach"], consent=False)
    dnc = make_contact("+84912000014", "vi", region="BT-PT", tags=["beach"])
    out = make_contact("+84912000015", "vi", region="BT-PT", tags=["beach"])
    db.session.add_all([SuppressionEntry(list_name="national-dnc", phone=dnc.phone),
                        OptOut(contact_id=out.id, kind="promotional", source="link")])
    db.session.commit()
    operator = login("phanthiet")
    created = operator.post_form("/sms/campaigns/new", _form(demo["BT-PT"].id, audience_tags="beach"))
    assert created.status_code == 302
    html = operator.get(created.headers["Location"]).get_data(as_text=True)
    import re

    def removed(step):
        return int(re.search(rf'data-step="{step}">.*?class="removed">(\d+)<', html, re.S).group(1))

    assert removed("region_scope") == 1 and removed("tags") == 1
    assert removed("opted_out") == 1 and removed("consent") == 1 and removed("suppressed") == 1
    assert 'data-step="daily_cap"' in html
    vi_row = re.search(r'data-lang="vi">(.*?)</tr>', html, re.S).group(1)
    assert "UCS-2" in vi_row and "unaccented-offer" in vi_row
    assert re.search(r'data-lang="en">.*?GSM-7', html, re.S)
    assert "Estimated: 4 recipients" in html or "Ước tính: 4 người nhận" in html


def test_campaign_needs_approval_before_it_can_start(outbox_app, login, demo, make_contact):
    make_contact("+84912000001", "vi", region="BT-PT")
    operator = login("phanthiet")
    url = operator.post_form("/sms/campaigns/new", _form(demo["BT-PT"].id)).headers["Location"]
    cid = int(url.rsplit("/", 1)[1])
    operator.post_form(f"/sms/campaigns/{cid}/start", {}, token_from=url)
    assert db.session.get(Campaign, cid).status == "draft"
    operator.post_form(f"/sms/campaigns/{cid}/submit", {}, token_from=url)
    approver = login("approver")
    assert "Tuần lễ du lịch" in approver.get("/approvals/").get_data(as_text=True)
    operator.post_form(f"/sms/campaigns/{cid}/approve", {}, token_from=url)  # operators cannot approve
    db.session.expire_all()
    assert db.session.get(Campaign, cid).approval_state == "submitted"
    approver.post_form(f"/sms/campaigns/{cid}/approve", {"comment": "OK"}, token_from=url)
    operator.post_form(f"/sms/campaigns/{cid}/start", {}, token_from=url)  # real clock: sent or deferred
    db.session.expire_all()
    campaign = db.session.get(Campaign, cid)
    assert campaign.approval_state == "approved" and campaign.status in ("running", "done")
    row = db.session.scalar(select(Message).where(Message.campaign_id == cid))
    assert row.body.startswith("[QC] Chào ! Tuần lễ văn hóa du lịch Mui Ne")


def test_district_operator_cannot_see_or_target_another_district(outbox_app, login, demo):
    hamtan = login("hamtan")
    url = hamtan.post_form("/sms/campaigns/new", _form(demo["BT-HT"].id)).headers["Location"]
    assert login("phanthiet").get(url).status_code == 404
    forged = login("phanthiet").post_form("/sms/campaigns/new", _form(demo["BT-HT"].id))
    assert forged.status_code in (400, 403)
    assert db.session.scalar(select(Campaign).where(Campaign.region_id == demo["BT-HT"].id)).name


def test_audience_filters_regions_languages_and_tourists_present(outbox_app, make_contact, make_campaign, demo):
    from signage.timeutil import utcnow
    from sms.audience import recipients

    make_contact("+84912000001", "en", region="BT-PT-MN", arrival=date(2026, 12, 18), departure=date(2026, 12, 22))
    make_contact("+84912000002", "en", region="BT-PT-MN", arrival=date(2026, 12, 23))
    make_contact("+84912000003", "en", region="BT-HT", arrival=date(2026, 12, 18))
    make_contact("+84912000004", "vi", region="BT-PT", kind="resident")
    make_contact("+84912000005", "ru", region="BT-PT", arrival=date(2026, 12, 19))
    campaign = make_campaign({"vi": "x"}, audience={"region_ids": [demo["BT-PT"].id], "languages": ["en", "ru"],
                                                    "present_on": "2026-12-20"})
    phones = {r[1] for chunk in recipients(campaign, now=utcnow()) for r in chunk}
    assert phones == {"+84912000001", "+84912000005"}


def test_arrival_relative_schedule_sends_the_day_after_arrival_at_9(twilio_app, standin, make_contact,
                                                                     make_campaign):
    from sms.jobs import dispatch_campaign

    make_contact("+84912000001", arrival=date(2026, 12, 20))
    with time_machine.travel(vn_time(20, 10), tick=True):
        campaign = make_campaign({"vi": "Chào mừng"}, schedule={"mode": "arrival", "offset_days": 1, "time": "09:00"})
        dispatch_campaign(campaign.id)
    assert standin.messages == []
    with time_machine.travel(vn_time(21, 9, 0), tick=True):
        dispatch_campaign(campaign.id)
    assert standin.received() == {"+84912000001": 1}


def test_recurring_campaign_sends_once_per_occurrence(twilio_app, standin, make_contact, make_campaign):
    from sms.jobs import dispatch_campaign

    make_contact("+84912000001")
    campaign = make_campaign({"vi": "Chợ đêm"}, kind="public_service",
                             schedule={"mode": "recurring", "weekdays": [5], "time": "18:00"})  # Saturdays
    for day, hh in ((19, 17), (19, 18), (19, 20), (20, 18), (26, 18)):  # 19 and 26 Dec 2026 are Saturdays
        with time_machine.travel(vn_time(day, hh, 5), tick=True):
            dispatch_campaign(campaign.id)
    assert standin.received() == {"+84912000001": 2}


def test_demo_loader_is_idempotent_and_dashboard_shows_the_widget(outbox_app, login, demo):
    import json

    from signage.config import DEFAULT_DEMO_DATA
    from sms.demo import load_demo
    from sms.models import Contact

    data = json.loads(DEFAULT_DEMO_DATA.read_text(encoding="utf-8"))
    first = load_demo(data)
    assert first["sms contacts"] == 6 and first["sms campaigns"] == 1
    assert load_demo(data) == {"sms contacts": 0, "sms campaigns": 0}
    assert db.session.scalar(select(Contact).where(Contact.language == "ru")).phone == "+79120000104"
    page = login("phanthiet").get("/").get_data(as_text=True)
    assert "sms-widget" in page


def test_contact_page_shows_consent_and_records_an_operator_opt_out(outbox_app, login, make_contact):
    contact = make_contact("+84912000001", region="BT-PT")
    operator = login("phanthiet")
    url = f"/sms/contacts/{contact.id}"
    assert "agreed" in operator.get(url).get_data(as_text=True)
    operator.post_form(url, {"kinds": "promotional"})
    assert db.session.scalar(select(OptOut.source).where(OptOut.contact_id == contact.id)) == "operator:phanthiet"
    assert login("hamtan").get(url).status_code == 404


def test_operator_pages_render_in_vietnamese(outbox_app, login, make_contact):
    make_contact("+84912000001", region="BT-PT")
    operator = login("operator")
    for url, text in (("/sms/", "Chiến dịch SMS"), ("/sms/contacts", "Danh bạ"), ("/sms/campaigns/new", "Đối tượng"),
                      ("/sms/contacts/import", "Nhập danh bạ"), ("/sms/suppression", "Danh sách không nhận tin"),
                      ("/sms/outbox", "Hộp thư đi")):
        page = operator.get(url)
        assert page.status_code == 200 and text in page.get_data(as_text=True), url


def test_only_province_level_accounts_import_the_national_dnc_list(outbox_app, login):
    assert login("phanthiet").get("/sms/suppression").status_code == 403
    assert login("admin").get("/sms/suppression").status_code == 200


def test_scheduled_campaign_waits_for_its_time_and_its_validity(twilio_app, standin, make_contact, make_campaign):
    from sms.jobs import dispatch_campaign

    make_contact("+84912000001")
    make_contact("+84912000002")
    with time_machine.travel(vn_time(20, 8), tick=True):
        campaign = make_campaign({"vi": "Lễ hội"}, schedule={"mode": "at", "at": vn_time(20, 15).isoformat()})
        dispatch_campaign(campaign.id)
    assert standin.messages == []
    with time_machine.travel(vn_time(20, 15, 1), tick=True):
        dispatch_campaign(campaign.id)
    assert standin.received() == {"+84912000001": 1, "+84912000002": 1}


def test_messages_not_sent_before_validity_ends_are_dropped(twilio_app, standin, make_contact, make_campaign):
    from sms.jobs import dispatch_campaign

    make_contact("+84912000001")
    with time_machine.travel(vn_time(20, 22, 30), tick=True):
        campaign = make_campaign({"vi": "Chợ đêm tối nay"}, valid_until=vn_time(21, 6, 0))
        dispatch_campaign(campaign.id)
    assert standin.messages == []  # the window opens at 07:00, after the validity ends
    row = db.session.scalar(select(Message).where(Message.campaign_id == campaign.id))
    assert (row.state, row.skip_reason) == ("skipped", "expired")


def test_contacts_can_be_found_by_number_in_any_format(outbox_app, login, make_contact):
    make_contact("+84321234567", region="BT-PT", name="Lan")
    make_contact("+84912000002", region="BT-PT", name="Minh")
    html = login("phanthiet").get("/sms/contacts?q=01621234567").get_data(as_text=True)  # the pre-2018 form
    assert "+84321234567" in html and "+84912000002" not in html


def test_an_approver_cannot_approve_a_campaign_they_submitted(outbox_app, login, make_campaign):
    from sms.models import Campaign

    campaign = make_campaign({"vi": "Thông báo lịch cắt điện"}, kind="public_service", running=False)
    approver = login("approver")
    url = f"/sms/campaigns/{campaign.id}"
    approver.post_form(f"{url}/submit", {}, token_from=url)
    response = approver.post_form(f"{url}/approve", {}, token_from=url)
    assert response.status_code == 303
    assert "cần một người duyệt khác" in approver.get(url).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).approval_state == "submitted"

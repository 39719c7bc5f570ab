"""Done-when: a tourist opts in from a QR link, gets a correctly labelled promotional message in their language
only inside the legal window, opts out with one tap, and never hears from it again (outbox gateway)."""

import re

import time_machine
from sqlalchemy import select

from signage.extensions import db
from signage.models import Screen
from sms.jobs import dispatch_campaign
from sms.models import ConsentRecord, Contact, Message, OutboxMessage
from tests.conftest import csrf_token
from tests.sms.conftest import vn_time

PHONE = "+447911123456"


def _outbox(phone=PHONE):
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.phone == phone)
                              .order_by(OutboxMessage.id)).all()


def _opt_in(client, src: str, lang: str = "en", phone: str = "+44 7911 123456"):
    page = client.get(f"/sms/join?src={src}&lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    response = client.post(f"/sms/join?src={src}&lang={lang}", data={
        "phone": phone, "language": lang, "consent": "y", "csrf_token": csrf_token(html)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"], html


def test_tourist_opt_in_promotion_window_and_one_tap_opt_out(outbox_app, client, demo, make_campaign):
    screen = db.session.scalar(select(Screen).where(Screen.region_id == demo["BT-PT-MN"].id))
    with time_machine.travel(vn_time(20, 21, 0), tick=True):
        confirm_url, join_html = _opt_in(client, f"screen-{screen.id}")
        assert "I agree to receive SMS" in join_html
        code = re.search(r"\d{6}", _outbox()[-1].body).group(0)
        page = client.get(confirm_url)
        wrong = client.post(confirm_url, data={"code": "000000" if code != "000000" else "111111",
                                               "csrf_token": csrf_token(page.get_data(as_text=True))})
        assert wrong.status_code == 400
        done = client.post(confirm_url, data={"code": code, "csrf_token": csrf_token(page.get_data(as_text=True))})
        assert done.status_code == 200 and "You are subscribed" in done.get_data(as_text=True)

    contact = db.session.scalar(select(Contact).where(Contact.phone == PHONE))
    assert (contact.language, contact.kind, contact.region_id) == ("en", "tourist", demo["BT-PT-MN"].id)
    consent = db.session.scalar(select(ConsentRecord).where(ConsentRecord.contact_id == contact.id))
    assert consent.source == "qr_optin" and consent.source_ref == f"screen-{screen.id}"
    assert consent.text_shown.startswith("I agree to receive SMS")

    messages = {"vi": "Tuần lễ văn hóa du lịch {event}!", "en": "Culture & tourism week: {event}!"}
    with time_machine.travel(vn_time(20, 22, 30), tick=True):
        campaign = make_campaign(messages, event="Mui Ne")
        dispatch_campaign(campaign.id)
    assert len(_outbox()) == 1  # only the code: 22:30 is outside the window

    with time_machine.travel(vn_time(21, 7, 0), tick=True):
        dispatch_campaign(campaign.id)
    promo = _outbox()[-1]
    assert promo.body.startswith("[AD] Culture & tourism week: Mui Ne!")
    link = re.search(r"https?://\S+/sms/o/\S+", promo.body).group(0)
    row = db.session.scalar(select(Message).where(Message.campaign_id == campaign.id))
    assert row.state == "delivered"  # the outbox's receipt came back through the status path

    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    opened = client.get(path)  # the page a browser opens; its form submits itself (see the browser test)
    assert opened.status_code == 200 and 'id="optout"' in opened.get_data(as_text=True)
    tap = client.post(path)
    assert tap.status_code == 200 and "You will not receive promotional messages" in tap.get_data(as_text=True)

    with time_machine.travel(vn_time(22, 10, 0), tick=True):
        second = make_campaign(messages, event="Bau Trang")
        dispatch_campaign(second.id)
    assert len(_outbox()) == 2
    skipped = db.session.scalar(select(Message).where(Message.campaign_id == second.id))
    assert skipped is None or skipped.state == "skipped"


def test_a_link_preview_fetching_the_opt_out_link_opts_nobody_out(outbox_app, client, make_contact):
    from sms.render import optout_token

    contact = make_contact("+84912000222")
    page = client.get(f"/sms/o/{optout_token(contact.id)}", headers={"User-Agent": "facebookexternalhit/1.1"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).opted_out_kinds() == frozenset()


def test_opt_out_works_without_cookies(outbox_app, app, make_contact):
    from sms.render import optout_token

    contact = make_contact("+84912000333")
    response = app.test_client(use_cookies=False).post(f"/sms/o/{optout_token(contact.id)}")
    assert response.status_code == 200
    db.session.expire_all()
    assert "promotional" in db.session.get(Contact, contact.id).opted_out_kinds()


def test_opt_in_requires_consent_and_a_valid_number(outbox_app, client, demo):
    html = client.get("/sms/join?src=qr-hotel-1&lang=en").get_data(as_text=True)
    no_consent = client.post("/sms/join?src=qr-hotel-1&lang=en", data={
        "phone": "+44 7911 123456", "language": "en", "csrf_token": csrf_token(html)})
    assert no_consent.status_code == 400
    bad = client.post("/sms/join?src=qr-hotel-1&lang=en", data={
        "phone": "12345", "language": "en", "consent": "y", "csrf_token": csrf_token(html)})
    assert bad.status_code == 400 and "not a valid mobile number" in bad.get_data(as_text=True)
    assert _outbox() == [] and db.session.scalar(select(Contact)) is None


def test_codes_expire_and_lock_after_too_many_attempts(outbox_app, client, demo, monkeypatch):
    from sms.models import OptInRequest

    monkeypatch.setitem(outbox_app.config, "SMS_OTP_MAX_ATTEMPTS", 2)
    with time_machine.travel(vn_time(20, 10), tick=True):
        url, _ = _opt_in(client, "qr-1")
        code = re.search(r"\d{6}", _outbox()[-1].body).group(0)
        token = csrf_token(client.get(url).get_data(as_text=True))
        for _ in range(2):
            client.post(url, data={"code": "999999" if code != "999999" else "888888", "csrf_token": token})
        locked = client.post(url, data={"code": code, "csrf_token": token})
        assert locked.status_code == 400 and db.session.scalar(select(Contact)) is None
        url2, _ = _opt_in(client, "qr-1")
        code2 = re.search(r"\d{6}", _outbox()[-1].body).group(0)
        req = db.session.scalar(select(OptInRequest).where(OptInRequest.confirmed_at.is_(None))
                                .order_by(OptInRequest.id.desc()))
        assert code2 not in req.code_hash  # stored hashed
    with time_machine.travel(vn_time(20, 10, 11), tick=True):
        late = client.post(url2, data={"code": code2, "csrf_token": token})
        assert late.status_code == 400 and db.session.scalar(select(Contact)) is None


def test_opt_in_pages_speak_the_visitor_language(outbox_app, client, demo):
    expected = {"vi": "Tôi đồng ý", "ru": "Я согласен", "zh": "我同意", "ko": "동의합니다"}
    for lang, text in expected.items():
        html = client.get(f"/sms/join?lang={lang}").get_data(as_text=True)
        assert f'lang="{lang}"' in html and text in html, lang
    by_header = client.get("/sms/join", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert "동의합니다" in by_header.get_data(as_text=True)


def test_outbox_shows_a_conversation_and_a_reply_keyword_opts_out(outbox_app, login, make_contact):
    from sms.gateways import OutgoingSms, get_gateway

    contact = make_contact("+84912000001", region="BT-PT")
    get_gateway().send(OutgoingSms(to=contact.phone, body="Xin chào Phan Thiết"))
    operator = login("phanthiet")
    page = operator.get("/sms/outbox/+84912000001")
    assert page.status_code == 200 and "Xin chào Phan Thiết" in page.get_data(as_text=True)
    reply = operator.post_form("/sms/outbox/+84912000001", {"body": "TC"})
    assert reply.status_code == 302
    assert contact.id and "promotional" in db.session.get(Contact, contact.id).opted_out_kinds()
    assert login("hamtan").get("/sms/outbox/+84912000001").status_code == 404


def test_opt_in_codes_have_a_global_hourly_ceiling(outbox_app, client, demo, monkeypatch):
    monkeypatch.setitem(outbox_app.config, "SMS_OTP_GLOBAL_PER_HOUR", 2)
    _opt_in(client, "qr-1", phone="+84912000001")
    _opt_in(client, "qr-1", phone="+84912000002")
    html = client.get("/sms/join?src=qr-1&lang=en").get_data(as_text=True)
    third = client.post("/sms/join?src=qr-1&lang=en", data={
        "phone": "+84912000003", "language": "en", "consent": "y", "csrf_token": csrf_token(html)})
    assert third.status_code == 429 and "cannot send codes right now" in third.get_data(as_text=True)
    assert len(_outbox("+84912000003")) == 0

"""The opt-in page on a phone-sized screen in real Chromium, served by gunicorn (outbox gateway)."""

import re
import time

import pytest
from sqlalchemy import select

from signage.extensions import db
from sms.models import Contact, OutboxMessage


@pytest.mark.browser
def test_tourist_opts_in_on_a_phone_in_russian(controller, page, demo):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{controller.url}/sms/join?src=qr-hotel-42&lang=ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Я согласен" in page.inner_text("#join")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    page.fill("#phone", "+7 912 345-67-89")
    page.check("#consent")
    page.click("#join button[type=submit]")
    page.wait_for_selector("#confirm")
    deadline = time.monotonic() + 10
    code = None
    while code is None and time.monotonic() < deadline:
        db.session.expire_all()
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.phone == "+79123456789"))
        code = re.search(r"\d{6}", row.body).group(0) if row else None
        time.sleep(0.1)
    assert row.body.startswith("Ваш код подтверждения")
    page.fill("#code", code)
    page.click("#confirm button[type=submit]")
    page.wait_for_selector("#subscribed")
    contact = db.session.scalar(select(Contact).where(Contact.phone == "+79123456789"))
    assert contact.language == "ru" and contact.consents[0].source_ref == "qr-hotel-42"


@pytest.mark.browser
def test_one_tap_on_the_opt_out_link_opts_out_in_a_phone_browser(controller, page, demo):
    from sms.optin import subscribe
    from sms.render import optout_link

    contact = subscribe("+84912000111", "ko", source="import", source_ref="", text_shown="동의")
    db.session.commit()
    controller_link = optout_link(contact.id).replace(current_base(), controller.url)
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto(controller_link)

    page.wait_for_selector("#unsubscribed")
    assert page.locator("html").get_attribute("lang") == "ko"
    db.session.expire_all()
    assert "promotional" in db.session.get(Contact, contact.id).opted_out_kinds()


def current_base() -> str:
    from flask import current_app

    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")

"""Issue 12, "stored codes shown raw" (queued, sent, delivered, resident …): the codes a message, an outbox
message and a contact carry reach the operator as translated labels, on every SMS page that shows them."""

import re

from sqlalchemy import select

from signage.extensions import db
from sms.models import Message

RAW = ("queued", "sending", "sent", "delivered", "failed", "skipped", "resident", "tourist", "promotional",
       "public_service", "received")


def _shown_words(html: str, pattern: str) -> str:
    """The text of what `pattern` matches (a part of the page), with tags and data-* attributes left out."""
    part = re.search(pattern, html, re.S).group(1)
    return re.sub(r"<[^>]+>", " ", part)


def test_a_residents_messages_and_outbox_thread_show_labels_not_codes(outbox_app, login, demo, make_contact,
                                                                      make_campaign):
    from sms.jobs import dispatch_campaign

    contact = make_contact("+84912000001", region="BT-PT", kind="resident", name="Lan")
    campaign = make_campaign({"vi": "Thông báo: cắt điện khu phố 3 sáng mai."}, kind="public_service",
                             region="BT-PT")
    dispatch_campaign(campaign.id)
    state = db.session.scalar(select(Message.state).where(Message.campaign_id == campaign.id))
    assert state in ("sent", "delivered")  # the outbox answered: there is a stored code to show
    operator = login("phanthiet")

    page = operator.get(f"/sms/contacts/{contact.id}").get_data(as_text=True)
    head = _shown_words(page, r"<h1>.*?</h1>\s*<p>(.*?)</p>")
    messages = _shown_words(page, r'<table class="list" id="messages">(.*?)</table>')
    thread = _shown_words(operator.get(f"/sms/outbox/{contact.phone}").get_data(as_text=True),
                          r'<div class="phone" id="thread">(.*?)<form')
    listing = _shown_words(operator.get("/sms/contacts").get_data(as_text=True),
                           r'<table class="list" id="contacts">(.*?)</table>')
    for where, text in (("contact", head), ("messages", messages), ("outbox", thread), ("contacts", listing)):
        words = set(re.findall(r"[a-z_]+", text))
        assert not words & set(RAW), (where, words & set(RAW), text)
    assert "Người dân" in head and "Người dân" in listing  # the resident kind, in Vietnamese

"""The preview's segment and cost estimate is what the gateway counts (issue 11): real per-recipient bodies
({name} like "Zoë" switches a message to UCS-2), or an upper bound shown as such; and a GSM-7-safe text is
offered for every language, as the unaccented variant is for Vietnamese."""

import re

import time_machine

from signage.extensions import db
from signage.timeutil import utcnow
from sms import preview as preview_module
from sms.encoding import analyse, gsm_safe, gsm_safe_offer
from sms.jobs import dispatch_campaign
from sms.preview import build_preview
from tests.sms.conftest import vn_time

# One GSM-7 segment with an empty name; "Zoë" (ë is not GSM-7) makes it UCS-2 and two segments.
ENGLISH = "Hi {name}! The Mui Ne sea festival opens on 20 December at the harbour: boat races, music and food " \
          "stalls all evening, entry free."


def test_the_estimate_equals_the_segments_the_gateway_counts(twilio_app, standin, make_contact, make_campaign):
    names = ["Zoë", "Anna", "Chloé", "Björn", "", "Đào Thị Hồng Nhung", "Li"]
    for n, name in enumerate(names):
        make_contact(f"+8491200001{n}", "en", region="BT-PT", name=name)
    make_contact("+84912000020", "vi", region="BT-PT", name="Ngọc")
    campaign = make_campaign({"vi": "Chào {name}, lễ hội biển Mũi Né khai mạc 20/12.", "en": ENGLISH},
                             kind="public_service")
    with time_machine.travel(vn_time(20, 10), tick=True):
        estimate = build_preview(campaign, now=utcnow())
        dispatch_campaign(campaign.id)
    counted = sum(int(m["num_segments"]) for m in standin.messages)
    assert len(standin.messages) == len(names) + 1 and estimate.exact
    assert estimate.total_segments == counted
    english = next(row for row in estimate.languages if row.language == "en")
    assert english.info.encoding == "GSM-7" and english.ucs2_recipients == 2  # Zoë and Đào…; é, ö are GSM-7


def test_above_the_exact_limit_the_estimate_is_an_upper_bound_shown_as_such(outbox_app, login, demo, make_contact,
                                                                           make_campaign, monkeypatch):
    for n, name in enumerate(["Zoë", "Anna", "Bob"]):
        make_contact(f"+8491200001{n}", "en", region="BT-PT", name=name)
    campaign = make_campaign({"vi": "Chào {name}.", "en": ENGLISH}, kind="public_service", region="BT-PT",
                             running=False)
    exact = build_preview(campaign, now=utcnow())
    monkeypatch.setattr(preview_module, "EXACT_LIMIT", 2)
    bound = build_preview(campaign, now=utcnow())
    assert not bound.exact and bound.total_segments >= exact.total_segments
    html = login("phanthiet").get(f"/sms/campaigns/{campaign.id}").get_data(as_text=True)
    estimate = re.search(r'<p id="estimate".*?</p>', html, re.S).group(0)
    assert 'data-exact="0"' in estimate and ("upper bound" in estimate or "giới hạn trên" in estimate)


def test_typographic_characters_get_a_gsm7_safe_variant_in_any_language():
    text = "Don’t miss the “Sea Festival” – 20–22 Dec… free\u00a0entry"
    assert analyse(text).encoding == "UCS-2"
    variant, info = gsm_safe_offer(text)
    assert variant == "Don't miss the \"Sea Festival\" - 20-22 Dec... free entry" and info.encoding == "GSM-7"
    assert gsm_safe_offer("Plain text") is None
    assert gsm_safe("Sân khấu – “Mũi Né”") == 'Sân khấu - "Mũi Né"'  # letters are kept, only typography changes


def test_the_preview_offers_the_plain_text_and_one_click_uses_it(outbox_app, login, make_contact, make_campaign):
    make_contact("+84912000011", "en", region="BT-PT")
    campaign = make_campaign({"vi": "Chào bạn.", "en": "Don’t miss the “Sea Festival” – from 20 Dec…"},
                             kind="public_service", region="BT-PT", running=False)
    operator = login("phanthiet")
    url = f"/sms/campaigns/{campaign.id}"
    row = re.search(r'data-lang="en">(.*?)</tr>', operator.get(url).get_data(as_text=True), re.S).group(1)
    assert "gsm-safe-offer" in row and 'class="encoding">UCS-2' in row
    operator.post_form(url + "/gsm-safe", {"language": "en"}, token_from=url)
    db.session.expire_all()
    assert campaign.messages["en"] == "Don't miss the \"Sea Festival\" - from 20 Dec..."
    row = re.search(r'data-lang="en">(.*?)</tr>', operator.get(url).get_data(as_text=True), re.S).group(1)
    assert 'class="encoding">GSM-7' in row and "gsm-safe-offer" not in row


def test_the_unaccented_vietnamese_variant_is_gsm7_safe_too():
    from sms.encoding import unaccent

    assert analyse(unaccent("Lễ hội “Biển xanh” – Mũi Né")).encoding == "GSM-7"

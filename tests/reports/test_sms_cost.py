"""The SMS cost in reports is the gateway's price when it reports one: a signed Twilio status callback that
carries `Price` stores it on the message, and the roll-up counts it as the actual cost. Campaigns carry
themes from their form."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from reports import rollup
from reports.models import SmsDay
from signage.extensions import db
from signage.themes import Theme, themes_of
from sms.models import Campaign, Contact, Message

TOKEN = "twilio-test-token"


def test_a_reported_price_is_stored_and_counted_as_the_actual_cost(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    sent = datetime(2026, 3, 10, 2, tzinfo=UTC)
    with app.app_context():
        campaign = Campaign(name="Giá", region_id=demo["BT"].id, kind="public_service", messages={"vi": "x"})
        contact = Contact(phone="+84900000001", region_id=demo["BT"].id)
        db.session.add_all([campaign, contact])
        db.session.flush()
        message = Message(campaign_id=campaign.id, contact_id=contact.id, phone=contact.phone, segments=2,
                          state="sent", sent_at=sent, provider_sid="SM0001")
        db.session.add(message)
        db.session.commit()
        mid = message.id
    path = f"/sms/webhooks/twilio/status?mid={mid}"
    params = {"MessageSid": "SM0001", "MessageStatus": "delivered", "Price": "-0.07000", "PriceUnit": "USD"}
    signature = RequestValidator(TOKEN).compute_signature(app.config["PUBLIC_BASE_URL"] + path, params)
    assert client.post(path, data=params, headers={"X-Twilio-Signature": signature}).status_code == 204
    with app.app_context():
        stored = db.session.get(Message, mid)
        assert (stored.state, stored.price) == ("delivered", pytest.approx(0.07))
        rollup.rollup_sms(date(2026, 3, 10))
        day = db.session.scalar(select(SmsDay))
        assert (day.priced, day.cost_reported, day.cost_estimated) == (1, pytest.approx(0.07), 0.0)


def test_a_campaign_carries_themes_from_its_form(login, demo):
    operator = login("operator")
    with operator.app.app_context():
        theme = Theme(region_id=demo["BT"].id, names={"vi": "Lễ hội"}, starts_on=date(2026, 1, 1))
        db.session.add(theme)
        db.session.commit()
        theme_id = theme.id
    response = operator.post_form("/sms/campaigns/new", {
        "name": "Lễ hội Dinh Thầy Thím", "region_id": demo["BT"].id, "kind": "public_service",
        "message_vi": "Mời bà con dự lễ hội", "schedule_mode": "now", "send_time": "09:00", "offset_days": 1,
        "themes": [theme_id]})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    with operator.app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert themes_of("campaign", [campaign.id]) == {campaign.id: [theme_id]}

"""SMS fixtures: the Twilio stand-in, the app pointed at it (or at the outbox), contacts and campaigns."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.sms.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SENDER = "BINHTHUAN"


def vn_time(day: int, hh: int, mm: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=VN).astimezone(UTC)


@pytest.fixture
def standin():
    server = TwilioStandIn(callbacks=False).start()
    yield server
    server.stop()


@pytest.fixture
def sms_sync(app, monkeypatch):
    """Jobs run inline; fast retries; no throttling (tests of the bucket set it themselves)."""
    monkeypatch.setitem(app.config, "RQ_SYNC", True)
    monkeypatch.setitem(app.config, "SMS_THROTTLE", 0)
    monkeypatch.setitem(app.config, "SMS_RETRY_BASE_SECONDS", 0.01)
    app.extensions.pop("sms_gateway", None)
    yield app
    app.extensions.pop("sms_gateway", None)


@pytest.fixture
def twilio_app(sms_sync, standin, monkeypatch):
    app = sms_sync
    for key, value in {"SMS_GATEWAY": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                       "TWILIO_FROM": SENDER, "TWILIO_API_BASE": standin.url,
                       "PUBLIC_BASE_URL": "https://sms.example.vn"}.items():
        monkeypatch.setitem(app.config, key, value)
    return app


@pytest.fixture
def outbox_app(sms_sync, monkeypatch):
    monkeypatch.setitem(sms_sync.config, "SMS_GATEWAY", "outbox")
    return sms_sync


@pytest.fixture
def make_contact(demo):
    from signage.extensions import db
    from signage.timeutil import utcnow
    from sms.models import ConsentRecord, Contact

    def _make(phone: str, language: str = "vi", *, region: str = "BT-PT", kind: str = "tourist",
              consent: bool = True, tags=(), name: str = "", arrival=None, departure=None) -> Contact:
        contact = Contact(phone=phone, language=language, region_id=demo[region].id, kind=kind, name=name,
                          arrival_date=arrival, departure_date=departure)
        contact.tags = list(tags)
        if consent:
            contact.consent_at = utcnow()
            contact.consents = [ConsentRecord(source="operator", text_shown="agreed", language=language)]
        db.session.add(contact)
        db.session.commit()
        return contact

    return _make


@pytest.fixture
def make_campaign(demo):
    from signage.extensions import db
    from signage.timeutil import utcnow
    from sms.models import Campaign

    def _make(messages: dict, *, kind: str = "promotional", region: str = "BT", audience=None, schedule=None,
              valid_until=None, running: bool = True, event: str = "", unaccented: bool = False) -> Campaign:
        campaign = Campaign(name="Test", region_id=demo[region].id, kind=kind, messages=messages,
                            audience=audience or {}, schedule=schedule or {"mode": "now"},
                            valid_until=valid_until, event=event, use_unaccented=unaccented)
        if running:
            campaign.approval_state = "approved"
            campaign.status = "running"
            campaign.started_at = utcnow()
        db.session.add(campaign)
        db.session.commit()
        return campaign

    return _make

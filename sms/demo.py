"""Demo data for the SMS package (idempotent) and the dashboard widget."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from signage.extensions import db
from signage.models import Region
from signage.scoping import scoped_select
from signage.timeutil import utcnow
from sms.models import Campaign, ConsentRecord, Contact, Message
from sms.phones import normalize_phone

DEMO_CONTACTS = (
    # phone, name, language, kind, region code, tags, days from today to arrival (tourists)
    ("0912000101", "Nguyễn Thị Lan", "vi", "resident", "BT-PT", ["hội viên"], None),
    ("0912000102", "Trần Văn Minh", "vi", "resident", "BT-HT", [], None),
    ("+447911000103", "Emma Wilson", "en", "tourist", "BT-PT-MN", ["beach"], 0),
    ("+79120000104", "Ivan Petrov", "ru", "tourist", "BT-PT-MN", ["beach", "kite"], -1),
    ("+821000000105", "Kim Min-jun", "ko", "tourist", "BT-PT-HTI", ["golf"], 1),
    ("+8613900000106", "Li Wei", "zh", "tourist", "BT-PT", [], 0),
)


def load_demo(data: dict) -> dict[str, int]:
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    created = {"sms contacts": 0, "sms campaigns": 0}
    today = utcnow().date()
    for raw, name, lang, kind, code, tags, arrival in DEMO_CONTACTS:
        phone = normalize_phone(raw)
        if code not in regions or db.session.scalar(select(Contact.id).where(Contact.phone == phone)):
            continue
        contact = Contact(phone=phone, name=name, language=lang, kind=kind, region_id=regions[code].id,
                          consent_at=utcnow(),
                          arrival_date=today + timedelta(days=arrival) if arrival is not None else None,
                          departure_date=today + timedelta(days=(arrival or 0) + 5) if arrival is not None else None)
        contact.tags = tags
        contact.consents = [ConsentRecord(source="demo", source_ref="demo data", text_shown="Demo consent",
                                          language=lang)]
        db.session.add(contact)
        created["sms contacts"] += 1
    samples = data.get("sms_samples", {})
    if "BT" in regions and samples and not db.session.scalar(select(Campaign.id).where(Campaign.name == "Demo")):
        db.session.add(Campaign(name="Demo", region_id=regions["BT"].id, kind="promotional",
                                messages={"vi": samples.get("promotional_vi", ""),
                                          "en": samples.get("promotional_en", "")},
                                audience={"kinds": ["tourist"]}))
        created["sms campaigns"] += 1
    db.session.commit()
    return created


def dashboard_widget():
    contacts = db.session.scalar(select(func.count()).select_from(scoped_select(Contact).subquery()))
    campaigns = scoped_select(Campaign).subquery()
    running = db.session.scalar(select(func.count()).select_from(campaigns).where(campaigns.c.status == "running"))
    review = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.needs_review.is_(True), Message.campaign_id.in_(select(campaigns.c.id))))
    template = Markup('<ul class="sms-widget"><li>{}: {}</li><li>{}: {}</li><li>{}: {}</li></ul><a href="{}">{}</a>')
    html = template.format(
        escape(_("Contacts")), contacts, escape(_("Campaigns sending")), running,
        escape(_("Messages needing a decision")), review, url_for("sms.index"), escape(_("SMS campaigns")))
    return _("SMS"), html

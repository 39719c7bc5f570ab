"""Demo history for the reports: themes, proof of play, online/offline history, QR scans, opt-ins (with their
source screen), opt-outs and SMS campaigns with their messages in every state, for the loaded province —
then rolled up, so the dashboard has something to show right after `make run`.

Deterministic (a seeded random generator and the given `now`) and idempotent: plays carry client ids derived
from the day, screen and index (a second run inserts nothing twice), scans and messages are regenerated per
day and campaign, and a screen that already has an online/offline history keeps it.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from content.models import QrScan
from players.models import PlayRecord, ScreenInterval
from reports import rollup
from scheduling import content_port
from scheduling.models import PlaylistItem, RegionDefault, ScheduleEntry
from signage.approval import ApprovalState
from signage.extensions import db
from signage.models import Region, Screen
from signage.themes import Theme, save_theme, set_themes
from signage.timeutil import local_tz, utcnow
from sms.models import Campaign, CampaignStatus, ConsentRecord, Contact, Message, OptOut

DEMO_AGENT = "demo-generator"
CAMPAIGN_PREFIX = "Demo báo cáo"
THEMES = (
    # vi, en, colour, main
    ("Năm Du lịch quốc gia 2026", "National Tourism Year 2026", "#0b6bcb", True),
    ("Chuyển đổi số", "Digital transformation", "#2e7d32", False),
    ("An toàn giao thông", "Road safety", "#e07b00", False),
)
LANGUAGES = (("vi", .55), ("en", .2), ("ru", .15), ("ko", .05), ("zh", .05))
#: relative audience of the day's hours 06:00–21:00 (people pass by in the morning and the evening)
HOUR_WEIGHTS = {6: 2, 7: 4, 8: 4, 9: 3, 10: 3, 11: 3, 12: 2, 13: 2, 14: 2, 15: 3, 16: 4, 17: 6, 18: 7, 19: 8,
                20: 7, 21: 4}


def _insert_ignore(model, rows: list[dict], keys: list[str]) -> None:
    if not rows:
        return
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(model).on_conflict_do_nothing(index_elements=keys), rows)


def ensure_themes(province: Region, today: date) -> list[Theme]:
    themes = []
    have = list(db.session.scalars(select(Theme).where(Theme.region_id == province.id)))
    for vi, en, colour, main in THEMES:
        theme = next((t for t in have if t.names.get("vi") == vi), None)
        if theme is None:
            theme = Theme(region_id=province.id, names={"vi": vi, "en": en}, starts_on=date(today.year, 1, 1),
                          ends_on=date(today.year, 12, 31), colour=colour, is_main=main)
            save_theme(theme)
        themes.append(theme)
    db.session.commit()
    return themes


def _items(province: Region) -> tuple[list[tuple[str, int, str, float]], int | None]:
    """(type, id, name, seconds) of what the province's default playlist plays, and that playlist's id."""
    default = db.session.get(RegionDefault, province.id)
    items = []
    if default is not None:
        for item in db.session.scalars(select(PlaylistItem).where(PlaylistItem.playlist_id == default.playlist_id)
                                       .order_by(PlaylistItem.position)):
            if item.item_type != "playlist":
                seconds = item.duration_s or (30.0 if item.item_type == "ticker" else 15.0)
                items.append((item.item_type, item.item_id, f"{item.item_type} {item.item_id}", seconds))
    api = content_port.content_api()
    items = [(t, i, api.item_label(t, i), s) for t, i, _n, s in items]
    return items or [("slide", 1, "Demo slide", 15.0)], default.playlist_id if default else None


def _tag_demo(themes: list[Theme], playlist_id: int | None, items: list[tuple]) -> None:
    main, digital, road = themes
    if playlist_id:
        set_themes("playlist", playlist_id, [main.id])
    for n, (item_type, item_id, _name, _s) in enumerate(items):
        if item_type in ("slide", "ticker", "media"):
            set_themes(item_type, item_id, [digital.id] if n % 2 else [road.id])
    for entry_id in db.session.scalars(select(ScheduleEntry.id)):
        set_themes("entry", entry_id, [main.id])
    db.session.commit()


def generate(days: int, now: datetime | None = None, *, plays_per_screen_day: int = 300, scans_per_day: int = 12,
             optins_per_day: int = 3, seed: int = 2026) -> dict[str, int]:
    """Generate `days` days of history ending yesterday (local time), then roll it up."""
    now = now or utcnow()
    tz = local_tz()
    rng = random.Random(seed)
    today = now.astimezone(tz).date()
    province = db.session.scalar(select(Region).where(Region.parent_id.is_(None)).order_by(Region.id))
    if province is None or days <= 0:
        return {}
    screens = list(db.session.scalars(select(Screen).where(Screen.retired_at.is_(None)).order_by(Screen.id)))
    if not screens:
        return {}
    themes = ensure_themes(province, today - timedelta(days=days))
    items, playlist_id = _items(province)
    _tag_demo(themes, playlist_id, items)
    entries = {e.id: e for e in db.session.scalars(select(ScheduleEntry))}
    slides = [i for i in items if i[0] == "slide"] or [("slide", 1, "Demo slide", 15.0)]
    first = today - timedelta(days=days)
    counts = {"plays": 0, "scans": 0, "opt-ins": 0, "messages": 0, "intervals": 0}
    hours, weights = list(HOUR_WEIGHTS), list(HOUR_WEIGHTS.values())

    for n in range(days):
        day = first + timedelta(days=n)
        start_of_day = datetime.combine(day, time(0), tzinfo=tz)
        plays = []
        for screen in screens:
            entry = next((e for e in entries.values() if e.region_id == screen.region_id), None)
            for i in range(plays_per_screen_day):
                item_type, item_id, name, seconds = rng.choice(items)
                at = start_of_day + timedelta(hours=6, seconds=rng.uniform(0, 16 * 3600))
                in_entry = entry is not None and 6 <= at.hour < 9
                late = rng.random() < 0.02  # a player that was offline sends its queue days later
                plays.append(dict(
                    screen_id=screen.id, client_id=f"demo-{day:%Y%m%d}-{screen.id}-{i}", item_type=item_type,
                    item_id=item_id, entry_id=entry.id if in_entry else None, started_at=at.astimezone(UTC),
                    duration_s=round(seconds * rng.uniform(0.97, 1.0), 3), name=name, sha256="",
                    received_at=(at + timedelta(days=rng.randint(1, 4) if late else 0, seconds=5)).astimezone(UTC)))
        _insert_ignore(PlayRecord, plays, ["screen_id", "client_id"])
        counts["plays"] += len(plays)

        end_of_day = start_of_day + timedelta(days=1)
        db.session.execute(delete(QrScan).where(QrScan.user_agent == DEMO_AGENT, QrScan.at >= start_of_day,
                                                QrScan.at < end_of_day))
        weekend = 1.6 if day.weekday() >= 5 else 1.0
        for _ in range(int(scans_per_day * weekend * rng.uniform(0.6, 1.4))):
            slide = rng.choice(slides)
            screen = rng.choice(screens)
            at = start_of_day + timedelta(hours=rng.choices(hours, weights)[0], minutes=rng.uniform(0, 59.9))
            db.session.add(QrScan(at=at.astimezone(UTC), slide_id=slide[1], screen_id=screen.id,
                                  target_url="https://binhthuan.gov.vn/du-lich", user_agent=DEMO_AGENT))
            counts["scans"] += 1
        for i in range(rng.randint(0, optins_per_day * 2)):
            counts["opt-ins"] += _optin(rng, day, i, screens, start_of_day)
        db.session.commit()

    counts["intervals"] = _intervals(rng, screens, datetime.combine(first, time(0), tzinfo=tz), now)
    counts["messages"] = _campaigns(rng, province, themes, first, today, tz)
    rollup.roll_up_changes(now + rollup.SETTLE)
    return counts


def _optin(rng: random.Random, day: date, i: int, screens: list[Screen], start_of_day: datetime) -> int:
    phone = f"+8490{(day.toordinal() * 37 + i * 7919) % 10**7:07d}"
    if db.session.scalar(select(Contact.id).where(Contact.phone == phone)):
        return 0
    screen = rng.choice(screens)
    at = (start_of_day + timedelta(hours=rng.choices(list(HOUR_WEIGHTS), list(HOUR_WEIGHTS.values()))[0],
                                   minutes=rng.uniform(0, 59))).astimezone(UTC)
    lang = rng.choices([code for code, _ in LANGUAGES], [w for _, w in LANGUAGES])[0]
    contact = Contact(phone=phone, name="", language=lang, kind="tourist" if rng.random() < .7 else "resident",
                      region_id=screen.region_id, consent_at=at, created_at=at, arrival_date=day,
                      departure_date=day + timedelta(days=rng.randint(1, 6)))
    contact.consents = [ConsentRecord(source="qr_optin", source_ref=f"screen-{screen.id}", text_shown="Demo",
                                      language=lang, at=at)]
    db.session.add(contact)
    if rng.random() < 0.08:
        db.session.flush()
        db.session.add(OptOut(contact_id=contact.id, kind="promotional", source="link",
                              at=at + timedelta(days=rng.randint(1, 20))))
    return 1


def _intervals(rng: random.Random, screens: list[Screen], since: datetime, now: datetime) -> int:
    made = 0
    for screen in screens:
        if db.session.scalar(select(ScreenInterval.id).where(ScreenInterval.screen_id == screen.id).limit(1)):
            continue
        at, online = since, True
        while at < now:
            length = timedelta(hours=rng.uniform(24, 24 * 12)) if online else timedelta(minutes=rng.uniform(10, 360))
            end = min(at + length, now)
            db.session.add(ScreenInterval(screen_id=screen.id, online=online, started_at=at.astimezone(UTC),
                                          ended_at=end.astimezone(UTC)))
            made += 1
            at, online = end, not online
        # the history ends now; no player of the demo is running, so each screen is offline from here
        db.session.add(ScreenInterval(screen_id=screen.id, online=False, started_at=now.astimezone(UTC)))
        made += 1
    db.session.commit()
    return made


def _campaigns(rng: random.Random, province: Region, themes: list[Theme], first: date, today: date, tz) -> int:
    """A weekly campaign with its messages in every state (ids stable per week: re-running replaces them)."""
    contacts = list(db.session.execute(select(Contact.id, Contact.phone, Contact.language)
                                       .where(Contact.consent_at.is_not(None)).order_by(Contact.id)))
    if not contacts:
        return 0
    price = current_app.config["SMS_PRICE_PER_SEGMENT"]
    made, week = 0, first - timedelta(days=first.weekday())
    while week < today:
        name = f"{CAMPAIGN_PREFIX} {week:%Y-%m-%d}"
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == name))
        sent_day = max(week + timedelta(days=rng.randint(0, 4)), first)
        if sent_day >= today:
            break
        at = datetime.combine(sent_day, time(9, 0), tzinfo=tz).astimezone(UTC)
        if campaign is None:
            campaign = Campaign(name=name, region_id=province.id, kind="promotional" if rng.random() < .7
                                else "public_service", messages={"vi": "Chào mừng đến Bình Thuận"},
                                audience={"kinds": ["tourist", "resident"]}, status=CampaignStatus.DONE.value,
                                approval_state=ApprovalState.APPROVED.value, created_at=at, started_at=at,
                                materialised_at=at)
            db.session.add(campaign)
            db.session.flush()
            set_themes("campaign", campaign.id, [rng.choice(themes).id])
        db.session.execute(delete(Message).where(Message.campaign_id == campaign.id))
        for contact_id, phone, lang in rng.sample(contacts, min(len(contacts), rng.randint(10, 40))):
            roll = rng.random()
            segments = 2 if lang == "vi" else 1
            row = dict(campaign_id=campaign.id, contact_id=contact_id, occurrence="once",
                       promotional=campaign.kind == "promotional", phone=phone, language=lang, body="Demo",
                       segments=segments, not_before=at, claimed_at=at, attempts=1)
            if roll < .05:
                row.update(state="skipped", skip_reason=rng.choice(["opted_out", "suppressed", "expired"]), final_at=at,
                           claimed_at=None)
            else:
                sent_at = at + timedelta(seconds=rng.randint(1, 600))
                state = "delivered" if roll < .88 else ("undelivered" if roll < .94 else "failed")
                row.update(state=state, sent_at=sent_at, final_at=sent_at + timedelta(seconds=30),
                           provider_sid=f"SMdemo{campaign.id}x{contact_id}",
                           price=round(price * segments * rng.uniform(.9, 1.1), 5) if rng.random() < .6 else None)
            db.session.add(Message(**row))
            made += 1
        db.session.commit()
        week += timedelta(days=7)
    return made

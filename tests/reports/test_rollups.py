"""Daily roll-ups: one local day at a time, idempotent, late rows rolled into their own day, raw rows deleted
after the retention period while the roll-ups stay."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from players.models import PlayRecord
from reports import rollup
from reports.models import CampaignAudience, PlayDay, PlayMonth, ScanDay, SmsDay
from signage.extensions import db
from signage.themes import Theme, set_themes
from sms.models import Campaign, Contact, Message, OptOut
from tests.reports.conftest import local, play, scan

DAY = date(2026, 3, 10)


def totals(day: date, theme_id: int = 0) -> tuple[int, float]:
    plays, seconds = db.session.execute(select(func.sum(PlayDay.plays), func.sum(PlayDay.seconds))
                                        .where(PlayDay.day == day, PlayDay.theme_id == theme_id)).one()
    return int(plays or 0), float(seconds or 0)


def test_a_day_is_a_local_day_and_rolling_it_up_twice_counts_nothing_twice(screens):
    sid = screens["BT-PT"][0].id
    play(sid, local(2026, 3, 10, 0, 0, 1), 10)
    play(sid, local(2026, 3, 10, 23, 59, 59), 20)
    play(sid, local(2026, 3, 9, 23, 59, 59), 40)  # the day before, in Việt Nam (16:59 UTC)
    db.session.commit()
    assert rollup.rollup_plays(DAY) == 1
    assert rollup.rollup_plays(DAY) == 1
    assert totals(DAY) == (2, 30.0)
    month = db.session.execute(select(PlayMonth.plays, PlayMonth.seconds).where(PlayMonth.month == date(2026, 3, 1),
                                                                               PlayMonth.theme_id == 0)).one()
    assert tuple(month) == (2, 30.0)  # the month table follows its days


def test_whole_months_are_read_from_the_monthly_table_and_the_other_days_from_the_daily_one():
    from reports.indicators import play_parts
    from reports.periods import custom, month, year

    assert [m.__name__ for m, _ in play_parts(year(2026))] == ["PlayMonth"]
    assert [m.__name__ for m, _ in play_parts(month(2026, 2), daily=True)] == ["PlayDay"]
    assert [m.__name__ for m, _ in play_parts(custom(date(2026, 1, 20), date(2026, 4, 3)))] == [
        "PlayMonth", "PlayDay", "PlayDay"]
    assert [m.__name__ for m, _ in play_parts(custom(date(2026, 1, 20), date(2026, 2, 3)))] == ["PlayDay"]


def test_theme_rows_come_with_the_total(screens):
    sid = screens["BT-PT"][0].id
    theme = Theme(region_id=screens["BT-PT"][0].region_id, names={"vi": "Du lịch"}, starts_on=date(2026, 1, 1))
    db.session.add(theme)
    db.session.flush()
    set_themes("slide", 1, [theme.id])
    play(sid, local(2026, 3, 10, 9), 15, item=("slide", 1))
    play(sid, local(2026, 3, 10, 9, 1), 30, item=("ticker", 2))
    db.session.commit()
    rollup.rollup_plays(DAY)
    assert totals(DAY) == (2, 45.0)
    assert totals(DAY, theme.id) == (1, 15.0)


def test_late_plays_are_rolled_into_the_day_they_were_played(screens):
    sid = screens["BT-HT"][0].id
    play(sid, local(2026, 3, 10, 10), 10, received=local(2026, 3, 10, 10, 0, 5))
    db.session.commit()
    first = rollup.roll_up_changes(local(2026, 3, 11, 2, 30).astimezone(UTC))
    assert first["plays"] == [DAY]
    # the screen was offline for a week: its queue arrives on the 17th
    play(sid, local(2026, 3, 10, 11), 25, received=local(2026, 3, 17, 8))
    play(sid, local(2026, 3, 16, 11), 5, received=local(2026, 3, 17, 8))
    db.session.commit()
    second = rollup.roll_up_changes(local(2026, 3, 18, 2, 30).astimezone(UTC))
    assert second["plays"] == [DAY, date(2026, 3, 16)]
    assert totals(DAY) == (2, 35.0)
    assert rollup.roll_up_changes(local(2026, 3, 19, 2, 30).astimezone(UTC))["plays"] == []


def test_raw_rows_past_the_retention_go_and_their_roll_ups_stay(app, screens, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_RAW_RETENTION_DAYS", 30)
    sid = screens["BT-PT"][1].id
    play(sid, local(2026, 1, 5, 9), 12)
    play(sid, local(2026, 3, 1, 9), 8)
    scan(sid, 1, local(2026, 1, 5, 19))
    db.session.commit()
    deleted = rollup.purge_raw(local(2026, 3, 10, 2, 30).astimezone(UTC))
    assert deleted == {"plays": 1, "scans": 1}
    assert db.session.scalar(select(func.count()).select_from(PlayRecord)) == 1
    assert totals(date(2026, 1, 5)) == (1, 12.0)  # rolled up before the raw row went
    assert db.session.scalar(select(func.sum(ScanDay.scans)).where(ScanDay.day == date(2026, 1, 5))) == 1


@pytest.fixture
def campaign(demo):
    c = Campaign(name="Lễ hội", region_id=demo["BT"].id, kind="promotional", messages={"vi": "x"},
                 audience={"kinds": ["tourist"]}, materialised_at=datetime(2026, 3, 10, 1, tzinfo=UTC))
    db.session.add(c)
    for n in range(4):
        db.session.add(Contact(phone=f"+8490000000{n}", kind="tourist", region_id=demo["BT-PT"].id,
                               consent_at=None if n == 3 else datetime(2026, 3, 1, tzinfo=UTC)))
    db.session.commit()
    return c


def test_sms_cost_is_the_gateways_price_when_reported_else_the_estimate(app, campaign):
    contacts = list(db.session.scalars(select(Contact).order_by(Contact.id)))
    sent = local(2026, 3, 10, 9).astimezone(UTC)
    rows = [("delivered", 2, 0.17), ("delivered", 2, None), ("failed", 1, None)]
    for contact, (state, segments, price) in zip(contacts, rows, strict=False):
        db.session.add(Message(campaign_id=campaign.id, contact_id=contact.id, phone=contact.phone, language="vi",
                               segments=segments, state=state, sent_at=sent, final_at=sent, price=price))
    db.session.add(Message(campaign_id=campaign.id, contact_id=contacts[3].id, phone=contacts[3].phone,
                           language="en", state="skipped", skip_reason="no_consent", final_at=sent))
    db.session.add(OptOut(contact_id=contacts[1].id, kind="promotional", source="link", at=sent + timedelta(days=2)))
    db.session.commit()
    rollup.rollup_sms(DAY)
    got = {(r.state, r.language): r for r in db.session.scalars(select(SmsDay))}
    delivered = got[("delivered", "vi")]
    assert (delivered.messages, delivered.sent, delivered.segments, delivered.priced) == (2, 2, 4, 1)
    assert delivered.cost_reported == pytest.approx(0.17)
    assert delivered.cost_estimated == pytest.approx(2 * app.config["SMS_PRICE_PER_SEGMENT"])
    assert delivered.opted_out == 1
    assert got[("skipped", "en")].skip_reason == "no_consent" and got[("skipped", "en")].sent == 0
    steps = [s.step for s in db.session.scalars(select(CampaignAudience).order_by(CampaignAudience.position))]
    assert steps[:2] == ["all", "region_scope"] and "consent" in steps

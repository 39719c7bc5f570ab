"""Report tables: the daily roll-ups (kept forever), what has been rolled up, campaign audience snapshots,
targets, and the API's tokens.

Roll-up contract (reports.rollup writes these tables, nothing else does):
- One row per local day (SIGNAGE_TIMEZONE) and key. A day is rolled up by deleting its rows and inserting
  them again in one transaction, so a re-run (or a late record) never counts anything twice.
- `PlayDay`: plays and seconds played per day × screen × item × schedule entry × theme. `theme_id` 0 is the
  row of every play of the key (the total); each theme the play carried (its own, its playlists', its
  entry's) has a row of its own as well, so per-theme sums may add up to more than the total.
  `entry_id` 0 = the screen's default playlist. `PlayMonth` holds the same rows summed per month.
- `ScanDay`: QR scans per day × screen (0 = no screen) × slide × local hour of day.
- `SmsDay`: messages per day × campaign × language × state × skip reason, on the local day of the message's
  first event (sent, else final, else claimed; queued messages are not counted yet). `sent` counts those the
  gateway took, `segments` their segments; `cost_reported` sums the prices the gateway reported for
  `priced` of them, and `cost_estimated` prices the other sent segments at SMS_PRICE_PER_SEGMENT.
  `opted_out` counts sent messages whose contact refused that kind of message within 7 days.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region
from signage.timeutil import utcnow


class PlayDay(db.Model):
    __tablename__ = "reports_play_day"
    __table_args__ = (Index("ix_reports_play_day_theme_day", "theme_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    screen_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plays: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    name: Mapped[str] = mapped_column(String(300), default="")


class PlayMonth(db.Model):
    """`PlayDay` summed per calendar month (`month` = its first day): what year and quarter views read, so a
    year of 500 screens is twelve rows per key instead of 365. Rebuilt from `PlayDay` for every month a
    roll-up touched (reports.rollup.rollup_month)."""

    __tablename__ = "reports_play_month"
    __table_args__ = (Index("ix_reports_play_month_theme_month", "theme_id", "month"),)

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    screen_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plays: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    name: Mapped[str] = mapped_column(String(300), default="")


class ScanDay(db.Model):
    __tablename__ = "reports_scan_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    screen_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slide_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    scans: Mapped[int] = mapped_column(Integer, default=0)


class SmsDay(db.Model):
    __tablename__ = "reports_sms_day"
    __table_args__ = (Index("ix_reports_sms_day_campaign", "campaign_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    skip_reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    segments: Mapped[int] = mapped_column(Integer, default=0)
    priced: Mapped[int] = mapped_column(Integer, default=0)
    cost_reported: Mapped[float] = mapped_column(Float, default=0.0)
    cost_estimated: Mapped[float] = mapped_column(Float, default=0.0)
    opted_out: Mapped[int] = mapped_column(Integer, default=0)


class CampaignAudience(db.Model):
    """The audience funnel of a campaign as it was when its messages were created: contacts left after each
    step of sms.audience (its audience filters, then the compliance rules), taken once by the roll-up."""

    __tablename__ = "reports_campaign_audience"

    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    step: Mapped[str] = mapped_column(String(40))
    remaining: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RollupMark(db.Model):
    """A day of one source ("plays", "scans", "sms") has been rolled up (when, how many rows)."""

    __tablename__ = "reports_rollup_mark"

    source: Mapped[str] = mapped_column(String(10), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, default=0)


class Watermark(db.Model):
    """Raw rows of `source` that arrived up to `upto` are in the roll-ups; later arrivals mark their days dirty."""

    __tablename__ = "reports_watermark"

    source: Mapped[str] = mapped_column(String(10), primary_key=True)
    upto: Mapped[datetime] = mapped_column(UTCDateTime)


class Target(Audited, db.Model):
    """What the province (or a district) aims at for an indicator over a period, e.g. uptime ≥ 95 % in 2026."""

    __tablename__ = "reports_target"
    __table_args__ = (Index("ix_reports_target_period", "region_id", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    region: Mapped[Region] = relationship()


class ApiToken(Audited, db.Model):
    """A read-only token of the indicators API, scoped to a region subtree; only its sha256 is stored."""

    __tablename__ = "reports_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    region: Mapped[Region] = relationship()

    __audit_exclude__ = ("token_hash", "last_used_at")

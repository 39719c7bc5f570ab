"""The fleet's tables (migrations 0021_fleet, 0022_technician_sms): incidents and their notes, the rule set per
region, the technicians who are told, and every email and SMS sent (the ledger that keeps a retry from sending
twice).

Incident status (forward only, each step a compare-and-set in fleet.service):

    open ──► acknowledged ──► closed
      └──────────────────────────┘
    closed: `closed_reason` "recovered" (the evaluation found the screen well again) or "resolved" (an
    operator said so).

`active` is True while the incident is not closed and NULL after: the unique (screen_id, cause, active)
allows one open incident per screen and cause and any number of closed ones (NULLs are distinct in SQLite
and PostgreSQL). `notice` is NULL until the technicians' email is decided, then "sent" (queued), "cooldown"
or "quiet" (left to the daily digest) — set once, compare-and-set on NULL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region, Screen, User
from signage.timeutil import utcnow

STATUSES = ("open", "acknowledged", "closed")


class Incident(Audited, db.Model):
    __tablename__ = "fleet_incident"
    __table_args__ = (
        UniqueConstraint("screen_id", "cause", "active", name="uq_fleet_incident_open"),
        CheckConstraint("status IN ('open', 'acknowledged', 'closed')", name="ck_fleet_incident_status"),
        CheckConstraint("(status = 'closed') = (active IS NULL)", name="ck_fleet_incident_active"),
        Index("ix_fleet_incident_region_active", "region_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"))
    #: the screen's region when the incident opened (scoping)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    cause: Mapped[str] = mapped_column(String(20))  # fleet.rules.CAUSES
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open")
    active: Mapped[bool | None] = mapped_column(Boolean, default=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(20))  # recovered | resolved
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    notice: Mapped[str | None] = mapped_column(String(20))
    screen: Mapped[Screen] = relationship()
    region: Mapped[Region] = relationship()
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    notes: Mapped[list[IncidentNote]] = relationship(back_populates="incident", order_by="IncidentNote.id")


class IncidentNote(Audited, db.Model):
    __tablename__ = "fleet_incident_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("fleet_incident.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    incident: Mapped[Incident] = relationship(back_populates="notes")
    user: Mapped[User | None] = relationship()

    @property
    def region(self) -> Region:  # the audit log's region path
        return self.incident.region


class FleetRule(Audited, db.Model):
    """A region's overrides of the rule set (fleet.rules.Rules); NULL inherits from the region above."""

    __tablename__ = "fleet_rule"

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), primary_key=True)
    offline_min: Mapped[int | None] = mapped_column(Integer)
    stale_min: Mapped[int | None] = mapped_column(Integer)
    black_min: Mapped[int | None] = mapped_column(Integer)
    asset_errors: Mapped[int | None] = mapped_column(Integer)
    storage_min_mb: Mapped[int | None] = mapped_column(Integer)
    clock_drift_s: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[Region] = relationship()


class Technician(Audited, db.Model):
    """An account told about the incidents of a region's subtree, on the channels it chose: email to `email`
    (when one is given) and SMS to `phone` (when `notify_sms`; the form then requires a valid mobile number
    and stores it E.164). At least one of the two (fleet.forms.TechnicianForm)."""

    __tablename__ = "fleet_technician"
    __table_args__ = (UniqueConstraint("user_id", "region_id", name="uq_fleet_technician_user_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(32), default="")
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    user: Mapped[User] = relationship()
    region: Mapped[Region] = relationship()


#: How a technician is told (Notification.channel).
CHANNELS = ("email", "sms")


class Notification(db.Model):
    """One email or SMS to one technician. `key` names the work and carries the channel, so the unique key
    still means "at most once per work and channel": "incident:12:opened:tech:3" (email; the keys of 0021
    unchanged), "incident:12:opened:tech:3:sms", "digest:2026-03-01:tech:3[:sms]". The job that inserts it
    (status "sending") is the only one that sends; a failure marks it "failed", which a retry may claim
    again. "sent" is final, and so are an SMS's "refused" (the number or the gateway said no for good) and
    "unknown" (the gateway may have taken it: never re-sent). `provider_id`: the SMS provider's message id."""

    __tablename__ = "fleet_notification"
    __table_args__ = (
        UniqueConstraint("key", name="uq_fleet_notification_key"),
        CheckConstraint(f"channel IN ({', '.join(repr(c) for c in CHANNELS)})", name="ck_fleet_notification_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_incident.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="email")
    recipient: Mapped[str] = mapped_column(String(254))  # the email address, or the phone (E.164)
    status: Mapped[str] = mapped_column(String(20), default="sending")
    provider_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(String(500), default="")

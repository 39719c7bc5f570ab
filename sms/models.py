"""SMS tables: contacts and their consent, opt-outs, suppression lists, campaigns, messages, opt-in codes,
and the local outbox gateway's phone."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.approval import Approvable
from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region
from signage.timeutil import utcnow


class ContactKind(enum.StrEnum):
    TOURIST = "tourist"
    RESIDENT = "resident"


class Contact(Audited, db.Model):
    __tablename__ = "sms_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="vi", index=True)
    kind: Mapped[str] = mapped_column(String(20), default=ContactKind.RESIDENT.value, index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    #: Tags as ",tag1,tag2," so that one portable LIKE finds a tag on SQLite and PostgreSQL alike.
    tags_text: Mapped[str] = mapped_column(String(1000), default=",")
    arrival_date: Mapped[date | None] = mapped_column(Date, index=True)
    departure_date: Mapped[date | None] = mapped_column(Date)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # latest consent (details in sms_consent)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    region: Mapped[Region] = relationship()
    consents: Mapped[list[ConsentRecord]] = relationship(back_populates="contact", order_by="ConsentRecord.at")
    optouts: Mapped[list[OptOut]] = relationship(back_populates="contact")

    @property
    def tags(self) -> list[str]:
        return [t for t in self.tags_text.split(",") if t]

    @tags.setter
    def tags(self, values: list[str]) -> None:
        clean = [v.strip().lower() for v in values if v and v.strip()]
        self.tags_text = "," + ",".join(dict.fromkeys(clean)) + ("," if clean else "")

    def opted_out_kinds(self) -> frozenset[str]:
        return frozenset(o.kind for o in self.optouts)


class ConsentRecord(db.Model):
    """What the person agreed to, when, where (screen or QR code), and the exact text they were shown."""

    __tablename__ = "sms_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("sms_contact.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(40))  # qr_optin | import | operator
    source_ref: Mapped[str] = mapped_column(String(200), default="")  # screen id / QR code / file name
    text_shown: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="vi")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    contact: Mapped[Contact] = relationship(back_populates="consents")


class OptOut(db.Model):
    """An explicit refusal of one kind of message (promotional, public_service, emergency)."""

    __tablename__ = "sms_optout"
    __table_args__ = (UniqueConstraint("contact_id", "kind", name="uq_sms_optout_contact_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("sms_contact.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40))  # link | keyword | carrier_21610 | operator
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    contact: Mapped[Contact] = relationship(back_populates="optouts")


class SuppressionEntry(db.Model):
    """A number on a do-not-contact list (the national DNC list or a local one)."""

    __tablename__ = "sms_suppression"
    __table_args__ = (UniqueConstraint("list_name", "phone", name="uq_sms_suppression_list_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"  # editable; approval state lives in Approvable
    RUNNING = "running"  # approved and started; the dispatcher works on it
    DONE = "done"
    CANCELLED = "cancelled"


class Campaign(Audited, Approvable, db.Model):
    __tablename__ = "sms_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="promotional")
    messages: Mapped[dict] = mapped_column(JSON, default=dict)  # {"vi": "...", "en": "..."}
    event: Mapped[str] = mapped_column(String(200), default="")  # the {event} variable
    #: {"kinds": [...], "region_ids": [...], "languages": [...], "tags": [...], "present_on": "YYYY-MM-DD"}
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    #: {"mode": "now"} | {"mode": "at", "at": iso} | {"mode": "recurring", "weekdays": [0..6], "time": "HH:MM"}
    #: | {"mode": "arrival", "offset_days": 1, "time": "09:00"}
    schedule: Mapped[dict] = mapped_column(JSON, default=lambda: {"mode": "now"})
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    use_unaccented: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.DRAFT.value, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    materialised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # message rows created (one-off)
    region: Mapped[Region] = relationship()


class MessageState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the worker died mid-send and the gateway could not say: flagged, never re-sent
    SKIPPED = "skipped"  # compliance said no (reason in skip_reason)


class Message(db.Model):
    """One message to one contact for one campaign (occurrence "once", or the date of a recurring run)."""

    __tablename__ = "sms_message"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", "occurrence", name="uq_sms_message_campaign_contact"),
        Index("ix_sms_message_cap", "contact_id", "promotional", "claimed_at"),
        Index("ix_sms_message_due", "campaign_id", "state", "not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("sms_campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("sms_contact.id", ondelete="CASCADE"))
    occurrence: Mapped[str] = mapped_column(String(20), default="once")
    promotional: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    body: Mapped[str] = mapped_column(Text, default="")
    segments: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(20), default=MessageState.QUEUED.value)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # entered `sending`
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_sid: Mapped[str] = mapped_column(String(64), default="", index=True)
    error_code: Mapped[str] = mapped_column(String(20), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    skip_reason: Mapped[str] = mapped_column(String(40), default="")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    campaign: Mapped[Campaign] = relationship()
    contact: Mapped[Contact] = relationship()


class OptInRequest(db.Model):
    """A pending double opt-in: the code is stored hashed, expires, and allows few attempts."""

    __tablename__ = "sms_optin"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(8))
    source_ref: Mapped[str] = mapped_column(String(200), default="")
    consent_text: Mapped[str] = mapped_column(Text)
    code_hash: Mapped[str] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(db.Model):
    """The local gateway's phone: what would have been sent (and replies typed in the UI)."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    sender: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[str] = mapped_column(String(8), default="out")  # out | in
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # our sms_message.id (idempotency)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="sent")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""SMS tables: contacts and their consent, opt-outs, suppression lists, campaigns, messages, opt-in codes,
and the local outbox gateway's phone — and the message state machine, next to the table it guards.

Contract of `Message.state` (see `MessageState` for the diagram): states move forward only, through a
compare-and-set UPDATE (`... WHERE state IN (lower states)`), so late, duplicate or out-of-order updates
(a delivery receipt before our own "sent", two workers, a retried job) change nothing. `advance` is the one
forward write; the dispatcher's `claim` (queued → sending) and `park` (sending → queued, the one
backward step, for a send the gateway refused for now: 429, 5xx) are compare-and-set too. A human's
"send it again" of an `unknown` message (sms.views) is the only other backward step, and is audited.

Every enum-valued column carries a CHECK constraint built from its enum here (`_one_of`); migration 0008
adds the same constraints to existing databases. The state machine lives here rather than in its own module
because the CHECK needs `MessageState` and `advance` needs `Message`: one module, no import cycle.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.approval import Approvable, ApprovalState
from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region
from signage.timeutil import utcnow
from sms.compliance import CampaignKind


def _one_of(table: str, column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    """`column IN (the enum's values)`, named ck_<table>_<column> (migration 0008 uses the same names)."""
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")


class ContactKind(enum.StrEnum):
    TOURIST = "tourist"
    RESIDENT = "resident"


class Contact(Audited, db.Model):
    __tablename__ = "sms_contact"
    __table_args__ = (_one_of("sms_contact", "kind", ContactKind),)

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
    __table_args__ = (
        UniqueConstraint("contact_id", "kind", name="uq_sms_optout_contact_kind"),
        _one_of("sms_optout", "kind", CampaignKind),
    )

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
    __table_args__ = (
        _one_of("sms_campaign", "kind", CampaignKind),
        _one_of("sms_campaign", "status", CampaignStatus),
        _one_of("sms_campaign", "approval_state", ApprovalState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=CampaignKind.PROMOTIONAL.value)
    messages: Mapped[dict] = mapped_column(JSON, default=dict)  # {"vi": "...", "en": "..."}
    event: Mapped[str] = mapped_column(String(200), default="")  # the {event} variable
    #: {"kinds": [...], "region_ids": [...], "languages": [...], "tags": [...], "present_on": "YYYY-MM-DD"}
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    #: When to send, as JSON; read and written only through `sms.schedule.Schedule` (parse / to_json).
    schedule: Mapped[dict] = mapped_column(JSON, default=lambda: {"mode": "now"})
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    use_unaccented: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.DRAFT.value, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    materialised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # message rows created (one-off)
    #: The alert this campaign texts (sms.broadcast): its messages go first — their own RQ queue (sms.jobs), the
    #: rate first (sms.throttle), promotional messages to the same numbers wait (sms.dispatch). A plain id: the
    #: alerts package sits above us and its table is not ours to point at.
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)
    region: Mapped[Region] = relationship()

    @property
    def urgent(self) -> bool:
        """An alert's SMS, or an emergency campaign: the urgent queue (sms.jobs) and the rate first
        (sms.throttle); promotional messages to its numbers wait for it (sms.dispatch)."""
        return self.alert_id is not None or self.kind == CampaignKind.EMERGENCY.value


class MessageState(enum.StrEnum):
    """Where one message is. States move forward only (`RANK`), by compare-and-set (`advance`)::

        queued ──claim──▶ sending ──gateway took it──▶ sent ──receipt──▶ delivered | undelivered | failed
         │  ▲               │  │  │
         │  └──429 / 5xx:──┘  │  └──permanent error, or retries exhausted──▶ failed
         │     parked, due     │
         │     after the wait  └──worker died, gateway cannot say──▶ unknown ──found by lookup, a late
         │                          (needs_review: never re-sent by itself)     receipt, or a human──▶ sent
         └──compliance said no, campaign cancelled, contact opted out──▶ skipped

    The parking step back (sms.dispatch.park: the gateway refused for now, so it certainly did not take the
    message; a worker never sleeps through a Retry-After) and a human's "send it again" of an `unknown`
    message (sms.views.message_resolve, audited) are the only backward moves, each its own compare-and-set.
    """

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the worker died mid-send and the gateway could not say: flagged, never re-sent
    SKIPPED = "skipped"  # compliance said no (reason in skip_reason)


_S = MessageState
#: Forward-only order; a transition is allowed only to a strictly higher rank. `unknown` ranks below `sent`
#: so that finding the message later (lookup, late receipt) still moves it on.
RANK = {_S.QUEUED: 0, _S.SENDING: 1, _S.UNKNOWN: 2, _S.SENT: 3, _S.DELIVERED: 4, _S.UNDELIVERED: 4, _S.FAILED: 4,
        _S.SKIPPED: 4}
FINAL = frozenset(s for s, rank in RANK.items() if rank == max(RANK.values()))


def lower_states(target: MessageState) -> list[str]:
    """The states a message may be in to move to `target` (the compare of the compare-and-set)."""
    return [s.value for s, r in RANK.items() if r < RANK[target]]


class Message(db.Model):
    """One message to one contact for one campaign (occurrence "once", or the date of a recurring run)."""

    __tablename__ = "sms_message"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", "occurrence", name="uq_sms_message_campaign_contact"),
        Index("ix_sms_message_cap", "contact_id", "promotional", "claimed_at"),
        Index("ix_sms_message_due", "campaign_id", "state", "not_before"),
        Index("ix_sms_message_reconcile", "state", "sent_at"),
        _one_of("sms_message", "state", MessageState),
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
    #: Handed to a batch job: in flight until SMS_INFLIGHT_SECONDS later (sms.dispatch.hand_out); None when
    #: the row waits in the database only (new, deferred, parked after a gateway error).
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first HTTP attempt (retry deadline)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last reconciliation lookup at the gateway
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_sid: Mapped[str] = mapped_column(String(64), default="", index=True)
    error_code: Mapped[str] = mapped_column(String(20), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    skip_reason: Mapped[str] = mapped_column(String(40), default="")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What the gateway says the message cost (positive, in SMS_CURRENCY) once it reports a price; None until
    #: then. Reports count it as the actual cost and fall back to segments × SMS_PRICE_PER_SEGMENT.
    price: Mapped[float | None] = mapped_column(Float)
    campaign: Mapped[Campaign] = relationship()
    contact: Mapped[Contact] = relationship()


def advance(message_id: int, target: MessageState, **fields) -> bool:
    """Move a message to `target` if that is forward (and set `fields` with it); late, duplicate or
    out-of-order updates do nothing. Commits. Returns whether the row moved."""
    values = dict(fields, state=target.value)
    if target in FINAL:
        values.setdefault("final_at", utcnow())
    result = db.session.execute(
        update(Message).where(Message.id == message_id, Message.state.in_(lower_states(target))).values(**values)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


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


class OutboxDirection(enum.StrEnum):
    OUT = "out"  # a message the outbox gateway "sent"
    IN = "in"  # a reply typed in the outbox phone's UI


class OutboxStatus(enum.StrEnum):
    """The outbox's own provider statuses (sms.gateways.outbox maps them to `MessageState`)."""

    SENT = "sent"
    DELIVERED = "delivered"  # its receipt job ran
    RECEIVED = "received"  # an incoming reply


class OutboxMessage(db.Model):
    """The local gateway's phone: what would have been sent (and replies typed in the UI)."""

    __tablename__ = "sms_outbox"
    __table_args__ = (
        _one_of("sms_outbox", "direction", OutboxDirection),
        _one_of("sms_outbox", "status", OutboxStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    sender: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[str] = mapped_column(String(8), default=OutboxDirection.OUT.value)
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # our sms_message.id (idempotency)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.SENT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

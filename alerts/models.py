"""The alert tables: `emergency_alert` (migrations 0005, 0011; CHECKs 0008, 0013) — every alert of every level,
its state and its approval — and the tables admins edit: how CAP areas map to regions, which CAP alerts also go
out by SMS, which regions want a second person to confirm an emergency. `alert_ack` records which screen put
which alert on the glass, and when.

An alert's life (forward only; `alerts.service` is the only writer)::

    submitted ──approve (a second person)──▶ on air ──cancel──────▶ ended (ended_reason "cancelled")
        │                                      ▲  │ ──expires_at──▶ ended ("expired")
        └──reject──▶ rejected (never on air)   │  └──update───────▶ ended ("replaced"; the successor is on air)
                                               │
    raised by someone allowed to raise it ─────┘ (emergencies, unless the region wants a second person)

On air = approved, `started_at` set, not ended, and `expires_at` (if any) in the future.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.approval import Approvable, ApprovalState
from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region, User
from signage.timeutil import utcnow


class Severity(enum.StrEnum):
    """CAP 1.2 severities that warrant taking over a screen."""

    EXTREME = "extreme"
    SEVERE = "severe"
    MODERATE = "moderate"


class Level(enum.StrEnum):
    """What kind of message takes over the screens. An emergency is red and pre-empts everything; an urgent
    official announcement or a correction of false information ("cải chính") pre-empts the normal rotation in
    the official styling, for a set time, and always needs a second person's approval."""

    EMERGENCY = "emergency"
    ANNOUNCEMENT = "announcement"
    CORRECTION = "correction"


#: Which level covers which: a screen shows the alerts of its highest level only (emergency over the others).
LEVEL_RANK = {Level.EMERGENCY.value: 2, Level.ANNOUNCEMENT.value: 1, Level.CORRECTION.value: 1}


class EndReason(enum.StrEnum):
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REPLACED = "replaced"  # a CAP Update (or an operator's update) put a successor on air


def _one_of(table: str, column: str, values, *, nullable: bool = False) -> CheckConstraint:
    """`column IN (values)` (or NULL), named ck_<table>_<column>, as the migrations name it (0008, 0013)."""
    allowed = ", ".join(f"'{v}'" for v in values)
    condition = f"{column} IN ({allowed})"
    return CheckConstraint(f"{column} IS NULL OR {condition}" if nullable else condition, name=f"ck_{table}_{column}")


class EmergencyAlert(Audited, Approvable, db.Model):
    """An alert of any level (`level`). Targets are region ids (whole subtrees), screen ids and screen-group ids;
    an alert with no target at all covers its owner region. They are resolved (by scheduling's resolver, see
    `alerts.service`) each time the set of alerts on air changes, so screens added to a region later see it.

    `send_sms` is the alert's own property, whoever raised it (the operator's tick box, or the CAP rules); the
    SMS goes to `sms_region_ids` when chosen, else to the regions of the screens it reaches.
    Change it only through `alerts.service`."""

    __tablename__ = "emergency_alert"
    __table_args__ = (
        _one_of("emergency_alert", "severity", [s.value for s in Severity]),
        _one_of("emergency_alert", "level", [lv.value for lv in Level]),
        _one_of("emergency_alert", "ended_reason", [r.value for r in EndReason], nullable=True),
        _one_of("emergency_alert", "approval_state", [a.value for a in ApprovalState]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    level: Mapped[str] = mapped_column(String(20), default=Level.EMERGENCY.value, index=True)
    severity: Mapped[str] = mapped_column(String(20), default=Severity.SEVERE.value)
    messages: Mapped[dict] = mapped_column(JSON, default=dict)
    target_region_ids: Mapped[list] = mapped_column(JSON, default=list)
    target_screen_ids: Mapped[list] = mapped_column(JSON, default=list)
    target_group_ids: Mapped[list] = mapped_column(JSON, default=list)
    send_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Regions whose contacts get the SMS; empty = the regions of the screens the alert reaches.
    sms_region_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: How long it stays on air once it is (an announcement waiting for approval); None: until ended.
    duration_s: Mapped[int | None] = mapped_column(Integer)
    #: When it went on air; None while it waits for approval (or was rejected).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: When it left the air (cancelled, expired at `expires_at`, or replaced), and why (`EndReason`).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ended_reason: Mapped[str | None] = mapped_column(String(20))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: "operator" (raised in the UI) or "cap" (a CAP 1.2 message; cap_reference = "sender,identifier,sent").
    source: Mapped[str] = mapped_column(String(20), default="operator")
    cap_reference: Mapped[str | None] = mapped_column(String(600), unique=True)
    region: Mapped[Region] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys="EmergencyAlert.submitted_by_id")
    reviewed_by: Mapped[User | None] = relationship(foreign_keys="EmergencyAlert.reviewed_by_id")

    def on_air(self, now: datetime) -> bool:
        return (self.approval_state == ApprovalState.APPROVED.value and self.started_at is not None
                and self.cancelled_at is None and (self.expires_at is None or now < self.expires_at))

    @property
    def active(self) -> bool:
        """On air now (by the wall clock)."""
        return self.on_air(utcnow())

    @property
    def pending(self) -> bool:
        return self.approval_state == ApprovalState.SUBMITTED.value

    @property
    def ended(self) -> bool:
        return self.cancelled_at is not None or (self.expires_at is not None and utcnow() >= self.expires_at)

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages.get("vi", "")


class AlertAck(db.Model):
    """A screen's player put the alert on the glass at `shown_at` (its own clock, corrected by the server
    offset); the controller heard of it at `received_at`. One row per alert and screen (the first report)."""

    __tablename__ = "alert_ack"
    __table_args__ = (UniqueConstraint("alert_id", "screen_id", name="uq_alert_ack_alert_screen"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("emergency_alert.id", ondelete="CASCADE"))
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"), index=True)
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AreaMatch(enum.StrEnum):
    GEOCODE = "geocode"  # a CAP <geocode><value>
    NAME = "name"  # a CAP <areaDesc>, compared case- and space-insensitively


class CapAreaMapping(Audited, db.Model):
    """An admin's mapping from a CAP area (a geocode value, or an area name) to one of our regions."""

    __tablename__ = "alert_cap_area"
    __table_args__ = (UniqueConstraint("match", "value", name="uq_alert_cap_area_match_value"),
                      _one_of("alert_cap_area", "match", [m.value for m in AreaMatch]))

    id: Mapped[int] = mapped_column(primary_key=True)
    match: Mapped[str] = mapped_column(String(20), default=AreaMatch.GEOCODE.value)
    value: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    region: Mapped[Region] = relationship()


class CapSmsRule(Audited, db.Model):
    """Whether a CAP alert of `severity` ("any" for every severity) inside `region` (None: anywhere) also goes
    out by SMS. The most specific rule wins (`alerts.rules.cap_sends_sms`); with no rule, extreme and severe
    alerts do."""

    __tablename__ = "alert_cap_sms_rule"
    __table_args__ = (_one_of("alert_cap_sms_rule", "severity", ["any", *(s.value for s in Severity)]),)

    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(String(20), default="any")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    send_sms: Mapped[bool] = mapped_column(Boolean, default=True)
    region: Mapped[Region | None] = relationship()


class AlertRegionRule(Audited, db.Model):
    """A region's rule for emergencies raised in the UI: `two_person` — a second person (admin or approver, not
    the raiser) confirms before it goes on air. The nearest region with a rule decides (`alerts.rules`)."""

    __tablename__ = "alert_region_rule"

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), primary_key=True)
    two_person: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[Region] = relationship()

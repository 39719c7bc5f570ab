"""The emergency alert table (`emergency_alert`, migration 0005_alerts): a message per language, a severity
and targets. Whether an alert also went out by SMS is not stored (it is decided by whoever raises it and
carried by the `alert_raised` signal)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region, User
from signage.timeutil import utcnow


class Severity(enum.StrEnum):
    """CAP 1.2 severities that warrant taking over a screen."""

    EXTREME = "extreme"
    SEVERE = "severe"
    MODERATE = "moderate"


class EmergencyAlert(Audited, db.Model):
    """Raised by an admin/approver or a CAP feed; active from `started_at` until `cancelled_at`.

    Targets are region ids (whole subtrees), screen ids and screen-group ids; an alert with no target at all
    covers its owner region. They are resolved (by scheduling's resolver, see `alerts.service`) when players
    ask, so screens added to a region later see it. Change it only through `alerts.service`.
    """

    __tablename__ = "emergency_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    severity: Mapped[str] = mapped_column(String(20), default=Severity.SEVERE.value)
    messages: Mapped[dict] = mapped_column(JSON, default=dict)
    target_region_ids: Mapped[list] = mapped_column(JSON, default=list)
    target_screen_ids: Mapped[list] = mapped_column(JSON, default=list)
    target_group_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: "operator" (raised in the UI) or "cap" (a CAP 1.2 message; cap_reference = "sender,identifier,sent").
    source: Mapped[str] = mapped_column(String(20), default="operator")
    cap_reference: Mapped[str | None] = mapped_column(String(600), unique=True)
    region: Mapped[Region] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def active(self) -> bool:
        return self.cancelled_at is None

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages.get("vi", "")

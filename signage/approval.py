"""The approval workflow shared by slides, tickers and SMS campaigns.

draft → submitted → approved | rejected (with a comment). Editing approved content creates a new
revision that goes back to review; the approved one stays on air until the new one is approved —
models implement that by keeping an `on_air` pointer/copy; this module only owns the states, who may
move them, and the approvers' queue.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from flask_login import current_user
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from signage.db_types import UTCDateTime
from signage.timeutil import utcnow


class ApprovalState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalError(ValueError):
    """A transition that the workflow does not allow (message is shown to the user)."""


ALLOWED = {
    ApprovalState.DRAFT: {ApprovalState.SUBMITTED},
    ApprovalState.REJECTED: {ApprovalState.SUBMITTED, ApprovalState.DRAFT},
    ApprovalState.SUBMITTED: {ApprovalState.APPROVED, ApprovalState.REJECTED, ApprovalState.DRAFT},
    ApprovalState.APPROVED: {ApprovalState.DRAFT},
}


class Approvable:
    """Columns every approvable model carries."""

    approval_state: Mapped[str] = mapped_column(String(20), default=ApprovalState.DRAFT.value, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")

    @declared_attr
    def submitted_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @declared_attr
    def reviewed_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @property
    def state(self) -> ApprovalState:
        return ApprovalState(self.approval_state)


def _move(item: Approvable, target: ApprovalState) -> None:
    if target not in ALLOWED[item.state]:
        raise ApprovalError(f"Cannot go from {item.state.value} to {target.value}.")
    item.approval_state = target.value


def submit(item: Approvable) -> None:
    _move(item, ApprovalState.SUBMITTED)
    item.submitted_at = utcnow()
    item.submitted_by_id = current_user.id if current_user and current_user.is_authenticated else None
    item.review_comment = ""


def approve(item: Approvable, comment: str = "") -> None:
    _require_approver()
    _move(item, ApprovalState.APPROVED)
    item.reviewed_at = utcnow()
    item.reviewed_by_id = current_user.id
    item.review_comment = comment.strip()


def reject(item: Approvable, comment: str) -> None:
    _require_approver()
    if not comment or not comment.strip():
        raise ApprovalError("A rejection needs a comment saying what to change.")
    _move(item, ApprovalState.REJECTED)
    item.reviewed_at = utcnow()
    item.reviewed_by_id = current_user.id
    item.review_comment = comment.strip()


def reopen(item: Approvable) -> None:
    """An approved or rejected item was edited: it needs review again (the on-air copy stays)."""
    if item.state is not ApprovalState.DRAFT:
        item.approval_state = ApprovalState.DRAFT.value


def _require_approver() -> None:
    if not (current_user and current_user.is_authenticated and current_user.has_role("approver")):
        raise ApprovalError("Only approvers can approve or reject.")


# ---- the approvers' queue: each package registers a provider of its pending items

QueueProvider = Callable[[], list[dict]]
QUEUE_KEY = "signage_approval_queue"


def register_queue(app: Flask, provider: QueueProvider) -> None:
    """`provider()` returns pending items in the current user's scope as dicts with keys
    kind (translated label), title, submitted_at, submitted_by, url (the review page)."""
    app.extensions.setdefault(QUEUE_KEY, []).append(provider)


def pending_items() -> list[dict]:
    items: list[dict] = []
    for provider in current_app.extensions.get(QUEUE_KEY, []):
        items.extend(provider())
    return sorted(items, key=lambda i: i.get("submitted_at") or utcnow())

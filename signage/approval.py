"""The approval workflow shared by media, slides, tickers and SMS campaigns.

draft → submitted → approved | rejected (with a comment). Editing approved content creates a new
revision that goes back to review; the approved one stays on air until the new one is approved —
models implement that by keeping an `on_air` pointer/copy; this module only owns the states, who may
move them, and the approvers' queue.

Four eyes: nobody approves what they submitted themselves, except in a region an admin above it has marked
`allow_self_approval` (a one-person district centre). Such an approval is marked `self_approved` on the
item and written to the audit log as its own "self_approved" entry, so reports can count them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from signage import text
from signage.db_types import UTCDateTime
from signage.timeutil import utcnow


class ApprovalState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalError(ValueError):
    """A transition the workflow does not allow. `code` says which rule; `message` is its text in the user's
    language (translated here, once, for slides, tickers and campaigns alike)."""

    def __init__(self, code: str):
        if code not in ERROR_MESSAGES:
            raise KeyError(code)
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(ERROR_MESSAGES[self.code])


ERROR_MESSAGES = {
    "state": _l("This step is not possible in the current state."),
    "comment_required": _l("A rejection needs a comment saying what to change."),
    "not_approver": _l("Only approvers can approve or reject."),
    "own_work": _l("You submitted this yourself: another approver must approve it (four-eyes rule)."),
}


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
    #: The last approval was by the submitter, under their region's `allow_self_approval` exception.
    self_approved: Mapped[bool] = mapped_column(Boolean, default=False)

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
        raise ApprovalError("state")
    item.approval_state = target.value


def submit(item: Approvable) -> None:
    _move(item, ApprovalState.SUBMITTED)
    item.submitted_at = utcnow()
    item.submitted_by_id = current_user.id if current_user and current_user.is_authenticated else None
    item.review_comment = ""


def approve(item: Approvable, comment: str = "") -> None:
    """Approve the submitted version. Never by the person who submitted it: what reaches the public glass
    or a phone is seen by two people — unless the item's own region allows self-approval, and then the
    approval says so (`self_approved`, and a "self_approved" audit entry)."""
    _require_approver()
    own = item.submitted_by_id is not None and item.submitted_by_id == current_user.id
    if own and not self_approval_allowed(item):
        raise ApprovalError("own_work")
    _move(item, ApprovalState.APPROVED)
    item.reviewed_at = utcnow()
    item.reviewed_by_id = current_user.id
    item.review_comment = text.clean(comment, strip=True)
    item.self_approved = own
    if own:
        _audit_self_approval(item)


def self_approval_allowed(item: Approvable) -> bool:
    """The item's own region (not an ancestor's setting) lets its submitter approve it."""
    region = _region_of(item)
    return bool(region is not None and region.allow_self_approval)


def _region_of(item: Approvable):
    from signage.extensions import db
    from signage.models import Region

    region = getattr(item, "region", None)
    if region is None and getattr(item, "region_id", None) is not None:
        region = db.session.get(Region, item.region_id)
    return region


def _audit_self_approval(item: Approvable) -> None:
    """An explicit audit entry besides the row update the flush hook writes: the exception is visible as such."""
    from signage.extensions import db
    from signage.models import AuditLog

    region = _region_of(item)
    db.session.add(AuditLog(
        at=utcnow(), user_id=current_user.id, username=current_user.username, action="self_approved",
        entity=type(item).__name__, entity_id=str(item.id or ""), region_path=region.path if region else "",
        before=None, after={"approval_state": ApprovalState.APPROVED.value, "reviewed_by_id": current_user.id,
                            "submitted_by_id": item.submitted_by_id, "review_comment": item.review_comment},
    ))


def reject(item: Approvable, comment: str) -> None:
    _require_approver()
    if not text.clean(comment, strip=True):
        raise ApprovalError("comment_required")
    _move(item, ApprovalState.REJECTED)
    item.reviewed_at = utcnow()
    item.reviewed_by_id = current_user.id
    item.review_comment = text.clean(comment, strip=True)


def reopen(item: Approvable) -> None:
    """An approved or rejected item was edited: it needs review again (the on-air copy stays)."""
    if item.state is not ApprovalState.DRAFT:
        item.approval_state = ApprovalState.DRAFT.value


def _require_approver() -> None:
    if not (current_user and current_user.is_authenticated and current_user.has_role("approver")):
        raise ApprovalError("not_approver")


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

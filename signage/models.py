"""Core domain models: regions (a tree of any depth), accounts, screens, screen groups, the audit log."""

from __future__ import annotations

import enum
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.timeutil import utcnow


class Audited:
    """Mixin: every insert, update and delete of this model is written to the audit log."""

    __audit_exclude__: tuple[str, ...] = ()


class Role(enum.StrEnum):
    ADMIN = "admin"
    APPROVER = "approver"
    OPERATOR = "operator"


class Region(Audited, db.Model):
    """A node of the administrative tree. `path` ("/1/4/9/") makes subtree queries one indexed LIKE."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(String(1000), index=True, default="")
    #: A one-person centre: its approvers may approve what they submitted themselves (marked `self_approved`
    #: and audited). This region only, not its subtree; off unless an admin above the region turns it on.
    allow_self_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.name")

    __audit_exclude__ = ("path",)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def contains(self, other: Region | None) -> bool:
        return other is not None and other.path.startswith(self.path)

    def ancestors(self) -> list[Region]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class User(Audited, UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default=Role.OPERATOR.value)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    region: Mapped[Region] = relationship()

    __audit_exclude__ = ("password_hash", "session_version")

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        # The session generation travels in the session and the remember-me cookie; `auth.load_user` compares
        # it on each request, so bumping it (`end_sessions`) ends every session and cookie of the account.
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every existing session of this account stops working at its next request (sign-out, and any
        change of password, role, region or active: see `_end_sessions_on_account_changes`). One atomic
        increment in SQL: two bumps at once never land on the same generation."""
        self.session_version = User.session_version + 1

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def has_role(self, *roles: Role | str) -> bool:
        wanted = {r.value if isinstance(r, Role) else r for r in roles}
        return self.role in wanted or self.role == Role.ADMIN.value

    def can_see(self, region: Region | None) -> bool:
        return self.region.contains(region)


#: A change to any of these ends the account's sessions: a cookie copied earlier must not keep the old powers.
SESSION_ENDING_FIELDS = ("password_hash", "role", "region_id", "active")


@event.listens_for(Session, "before_flush")
def _end_sessions_on_account_changes(session, flush_context, instances) -> None:
    for obj in session.dirty:
        if not isinstance(obj, User):
            continue
        state = sa_inspect(obj)
        for name in SESSION_ENDING_FIELDS:
            history = state.attrs[name].history
            if history.added and history.deleted and history.added[0] != history.deleted[0]:
                obj.end_sessions()
                break


class ScreenKind(enum.StrEnum):
    LCD = "lcd"
    LED = "led"
    TICKER = "ticker"  # running-text strip


screen_group_member = Table(
    "screen_group_member",
    db.metadata,
    Column("group_id", ForeignKey("screen_group.id", ondelete="CASCADE"), primary_key=True),
    Column("screen_id", ForeignKey("screen.id", ondelete="CASCADE"), primary_key=True),
)


class Screen(Audited, db.Model):
    __tablename__ = "screen"
    __table_args__ = (UniqueConstraint("region_id", "name", name="uq_screen_region_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=ScreenKind.LCD.value)
    width: Mapped[int] = mapped_column(Integer, default=1920)
    height: Mapped[int] = mapped_column(Integer, default=1080)
    orientation: Mapped[str] = mapped_column(String(20), default="landscape")
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["vi"])
    tags: Mapped[list] = mapped_column(JSON, default=list)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(Text, default="")
    poll_interval: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    region: Mapped[Region] = relationship()

    @property
    def resolution(self) -> str:
        return f"{self.width}×{self.height}"

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class ScreenGroup(Audited, db.Model):
    """A static list of screens, or a dynamic rule (tags and/or a region subtree) resolved on use."""

    __tablename__ = "screen_group"
    __table_args__ = (UniqueConstraint("region_id", "name", name="uq_screen_group_region_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    dynamic: Mapped[bool] = mapped_column(default=False)
    rule_tags: Mapped[list] = mapped_column(JSON, default=list)
    rule_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    region: Mapped[Region] = relationship(foreign_keys=[region_id])
    rule_region: Mapped[Region | None] = relationship(foreign_keys=[rule_region_id])
    members: Mapped[list[Screen]] = relationship(secondary=screen_group_member, order_by="Screen.name")


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(80), default="system")
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(80), index=True)
    entity_id: Mapped[str] = mapped_column(String(80), default="")
    region_path: Mapped[str] = mapped_column(String(1000), default="")
    before: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    after: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

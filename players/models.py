"""Player-side records: pairing requests, per-screen tokens, last known status (with the player's
diagnostics), online/offline history, proof of play (and the plays refused), the manifests served to each
screen, captures of the glass, remote commands and blank hours."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region, Screen
from signage.timeutil import utcnow


class PairingRequest(db.Model):
    """A new player asked to be paired; an operator claims its code for a screen.

    `token_once` holds the new token only between the claim and the player's next poll, which clears it.
    """

    __tablename__ = "player_pairing"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(12), index=True)
    device: Mapped[dict] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    screen_id: Mapped[int | None] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    token_once: Mapped[str | None] = mapped_column(String(128))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PlayerToken(db.Model):
    """A screen's bearer token; only its sha256 is stored. Revoked tokens stay for the record."""

    __tablename__ = "player_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ScreenStatus(db.Model):
    """Last heartbeat persisted (coalesced: Redis holds every beat, this row at most every few minutes)."""

    __tablename__ = "player_screen_status"

    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"), primary_key=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    playing: Mapped[dict] = mapped_column(JSON, default=dict)
    app_version: Mapped[str] = mapped_column(String(64), default="")
    screen_w: Mapped[int | None] = mapped_column(Integer)
    screen_h: Mapped[int | None] = mapped_column(Integer)
    free_storage: Mapped[int | None] = mapped_column(BigInteger)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    #: the latest diagnostics the player reported (players.heartbeat.DIAGNOSTIC_KEYS): missing_assets,
    #: corrupt_assets, free_storage_bytes, js_errors [{message, count}], clock_offset_ms, rtt_ms, browser,
    #: page_uptime_s, blank_s (seconds the glass has been playing nothing)
    diagnostics: Mapped[dict | None] = mapped_column(JSON, default=dict)


class PlayRecord(db.Model):
    """Proof of play. No foreign keys to content: the record outlives the slide or media (name + hash kept)."""

    __tablename__ = "player_play"
    __table_args__ = (UniqueConstraint("screen_id", "client_id", name="uq_player_play_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    item_type: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    name: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    #: when the controller got it; indexed so the nightly roll-up finds late records (reports.jobs)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ScreenInterval(db.Model):
    """Online/offline history of a screen: consecutive intervals, at most one open (`ended_at` NULL) per screen.

    Written by players.intervals only: a heartbeat after a silence opens an online interval (closing the
    offline one, or the online one the sweeper has not closed yet); the sweeper closes the online interval of
    a screen that stopped reporting at its last contact and opens an offline one. Uptime is computed from
    these rows (reports), never from the last status alone."""

    __tablename__ = "player_screen_interval"
    __table_args__ = (Index("ix_player_screen_interval_screen_started", "screen_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"))
    online: Mapped[bool] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class PlayRejected(db.Model):
    """A play the controller did not believe (an item that was in none of the screen's manifests around that
    time, a time outside the window around the server clock): kept apart from `PlayRecord`, so it never
    reaches the reports, and kept for the technician (players.plays)."""

    __tablename__ = "player_play_rejected"
    __table_args__ = (UniqueConstraint("screen_id", "client_id", name="uq_player_play_rejected_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(40))
    record: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ManifestServed(db.Model):
    """What a screen was given: one row per distinct manifest served to it (players.api), with the items
    and asset versions in it — the evidence proof of play is checked against (players.plays)."""

    __tablename__ = "player_manifest_served"
    __table_args__ = (Index("ix_player_manifest_served_screen_at", "screen_id", "served_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    served_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    #: {"slide:5": ["<sha256>", ...], "ticker:3": [], ...} and the schedule entries ("entries": [ids])
    items: Mapped[dict] = mapped_column(JSON, default=dict)


class Capture(db.Model):
    """A small JPEG of what the player composited from its own layers (players.captures); kept for
    PLAYER_CAPTURE_RETENTION_H hours."""

    __tablename__ = "player_capture"
    __table_args__ = (Index("ix_player_capture_screen_taken", "screen_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"))
    #: the player's time of the capture (corrected by its clock offset, clamped to the time received)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled | request
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    #: what the player says was on the glass: item, ticker text, alert, blank/identify overlay
    shows: Mapped[dict] = mapped_column(JSON, default=dict)
    jpeg: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))


class Command(Audited, db.Model):
    """A remote command for one screen's player, sent on the alert fast path (players.commands).

    Status moves forward only: pending → acknowledged (the player did it), or pending → expired (never
    heard back within COMMAND_TTL_S)."""

    __tablename__ = "player_command"
    __table_args__ = (Index("ix_player_command_screen_status", "screen_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # reload | clear_cache | identify | capture
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screen: Mapped[Screen] = relationship()

    @property
    def region(self) -> Region | None:  # the audit log's region path
        return self.screen.region if self.screen else None


class BlankHours(Audited, db.Model):
    """Daily hours a board stays dark (LED boards at night, power saving), for one screen or a region and
    its subtree; `ends` before `starts` runs over midnight (local time)."""

    __tablename__ = "player_blank_hours"
    __table_args__ = (CheckConstraint("(screen_id IS NULL) <> (region_id IS NULL)", name="ck_player_blank_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int | None] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    screen: Mapped[Screen | None] = relationship()
    target_region: Mapped[Region | None] = relationship(foreign_keys=[region_id])

    @property
    def region(self) -> Region | None:  # the audit log's region path
        return self.target_region if self.region_id else (self.screen.region if self.screen else None)


class BlankPeriod(db.Model):
    """Proof of play of the dark time: the player reports each blank period like a play (idempotent on its
    id); kept apart from `PlayRecord`, whose rows are items."""

    __tablename__ = "player_blank_period"
    __table_args__ = (UniqueConstraint("screen_id", "client_id", name="uq_player_blank_period_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Player-side records: pairing requests, per-screen tokens, last known status, online/offline history,
proof of play."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from signage.db_types import UTCDateTime
from signage.extensions import db
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

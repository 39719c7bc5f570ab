"""Playlists (ordered items, nested playlists, per-item validity), schedule entries and their targets,
and each screen's default playlist."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region
from signage.timeutil import utcnow


class ItemType(enum.StrEnum):
    SLIDE = "slide"
    MEDIA = "media"
    TICKER = "ticker"
    PLAYLIST = "playlist"  # a nested playlist


class TargetType(enum.StrEnum):
    SCREEN = "screen"
    GROUP = "group"
    REGION = "region"


class Recurrence(enum.StrEnum):
    DAILY = "daily"  # every day of the date range whose weekday is ticked
    MONTHLY = "monthly"  # the start date's day of the month
    YEARLY = "yearly"  # the start date's day and month
    LUNAR_MONTHLY = "lunar_monthly"  # the start date's lunar day, every lunar month (mùng 1, rằm)
    LUNAR_YEARLY = "lunar_yearly"  # the start date's lunar day and month (Tết, Rằm tháng Giêng, Trung thu)


class Fit(enum.StrEnum):
    """How a playlist item's picture fills a screen of another shape; None (the default) is automatic: cover
    when the video's shape is within `players/static/js/stage.js`'s tolerance of the screen's, else contain."""

    COVER = "cover"  # fill the screen, crop what overflows
    CONTAIN = "contain"  # the whole picture, over a blurred copy of itself
    PILLARBOX = "pillarbox"  # the whole picture, between black bars


ALL_DAYS = 0b1111111  # bit 0 = Monday … bit 6 = Sunday


class Playlist(Audited, db.Model):
    __tablename__ = "sched_playlist"
    __table_args__ = (UniqueConstraint("region_id", "name", name="uq_sched_playlist_region_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    region: Mapped[Region] = relationship()
    items: Mapped[list[PlaylistItem]] = relationship(
        back_populates="playlist", order_by="PlaylistItem.position", cascade="all, delete-orphan",
        foreign_keys="PlaylistItem.playlist_id",
    )


class PlaylistItem(Audited, db.Model):
    """One step of a playlist: a slide, media, ticker or (item_type "playlist") another playlist.

    `duration_s` None means the content's own duration (video length) or the default; validity bounds
    limit when the item plays at all (outside them the playlist skips it); `fit` (a `Fit`, None = automatic)
    is how a video or photo of another shape than the screen fills it.
    """

    __tablename__ = "sched_playlist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("sched_playlist.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    item_type: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    duration_s: Mapped[float | None] = mapped_column(Float)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fit: Mapped[str | None] = mapped_column(String(10), CheckConstraint(
        "fit IS NULL OR fit IN ('cover', 'contain', 'pillarbox')", name="ck_sched_playlist_item_fit"))
    playlist: Mapped[Playlist] = relationship(back_populates="items", foreign_keys=[playlist_id])


class ScheduleEntry(Audited, db.Model):
    """A playlist on some screens over a date range, on some weekdays, within a day part.

    A day part whose end is not after its start runs overnight (22:00–02:00 belongs to the day it
    starts on). No day part = the whole day. The highest priority wins where entries overlap; ties go to
    the more specific target (screen > group > region), then to the most recently changed entry.
    """

    __tablename__ = "sched_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    playlist_id: Mapped[int] = mapped_column(ForeignKey("sched_playlist.id", ondelete="RESTRICT"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=50)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    days_of_week: Mapped[int] = mapped_column(Integer, default=ALL_DAYS)
    daypart_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" local time
    daypart_end: Mapped[str | None] = mapped_column(String(5))
    recurrence: Mapped[str] = mapped_column(String(20), default=Recurrence.DAILY.value)
    max_plays_per_hour: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    region: Mapped[Region] = relationship()
    playlist: Mapped[Playlist] = relationship()
    targets: Mapped[list[ScheduleTarget]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="ScheduleTarget.id"
    )

    @property
    def daypart(self) -> tuple[time | None, time | None]:
        return (time.fromisoformat(self.daypart_start) if self.daypart_start else None,
                time.fromisoformat(self.daypart_end) if self.daypart_end else None)


class ScheduleTarget(db.Model):
    __tablename__ = "sched_target"
    __table_args__ = (UniqueConstraint("entry_id", "target_type", "target_id", name="uq_sched_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("sched_entry.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    entry: Mapped[ScheduleEntry] = relationship(back_populates="targets")


class ScreenDefault(Audited, db.Model):
    """The playlist that fills every gap of a screen's schedule (a screen never goes black)."""

    __tablename__ = "sched_screen_default"

    screen_id: Mapped[int] = mapped_column(ForeignKey("screen.id", ondelete="CASCADE"), primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("sched_playlist.id", ondelete="RESTRICT"), index=True)


class RegionDefault(Audited, db.Model):
    """The default playlist of every screen in the region's subtree that has none of its own (the nearest
    region's wins), so a screen added by a district operator plays something from its first poll."""

    __tablename__ = "sched_region_default"

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("sched_playlist.id", ondelete="RESTRICT"), index=True)
    region: Mapped[Region] = relationship()
    playlist: Mapped[Playlist] = relationship()

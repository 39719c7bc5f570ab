"""Content models: media items, slides, tickers, rendered files and QR scans.

Media, slides and tickers are approvable. The working copy lives in the columns; what screens show is the
`on_air` JSON snapshot taken at approval, so editing approved content (or replacing a media item's file)
never changes the air until the new version is approved. A snapshot names the exact files it shows by
sha256: a media item's approved file, and the image an approved slide was approved with.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.approval import Approvable
from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region
from signage.timeutil import utcnow

DEFAULT_IMAGE_SECONDS = 10


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class SlideTemplate(enum.StrEnum):
    TITLE_BODY = "title_body"
    IMAGE_CAPTION = "image_caption"
    FULLBLEED_QR = "fullbleed_qr"
    ANNOUNCEMENT = "announcement"
    EMERGENCY = "emergency"


class Media(Audited, Approvable, db.Model):
    """An uploaded image or video; the bytes live content-addressed under MEDIA_ROOT (by sha256).

    The columns describe the working file (the latest upload); `on_air` is the approved one screens play:
    {sha256, ext, mime, kind, size, width, height, duration_s, version, approved_at}."""

    __tablename__ = "content_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    ext: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[float | None] = mapped_column(Float)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    on_air: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    on_air_version: Mapped[int | None] = mapped_column(Integer, index=True)
    region: Mapped[Region] = relationship()

    @property
    def url(self) -> str:
        """The working file (what the library and the reviewer see)."""
        return f"/media/{self.sha256}.{self.ext}"

    @property
    def on_air_url(self) -> str | None:
        """The approved file screens play, or None before the first approval."""
        return f"/media/{self.on_air['sha256']}.{self.on_air['ext']}" if self.on_air else None

    @property
    def default_duration_s(self) -> int:
        duration = (self.on_air or {}).get("duration_s", self.duration_s)
        if self.kind == MediaKind.VIDEO.value and duration:
            return max(1, round(duration))
        return DEFAULT_IMAGE_SECONDS


class Slide(Audited, Approvable, db.Model):
    __tablename__ = "content_slide"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    template: Mapped[str] = mapped_column(String(30), default=SlideTemplate.TITLE_BODY.value)
    #: {"title": {"vi": ..., "en": ...}, "body": {...}, "caption": {...}}
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    media_id: Mapped[int | None] = mapped_column(ForeignKey("content_media.id", ondelete="SET NULL"), index=True)
    qr_url: Mapped[str] = mapped_column(String(1000), default="")
    duration_s: Mapped[int] = mapped_column(Integer, default=DEFAULT_IMAGE_SECONDS)
    #: Draw the slide's theme's mark (name and colour) on it; the snapshot pins the theme as approved.
    theme_mark: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Snapshot of the approved version screens show: template, texts, media_id, image (the media file it was
    #: approved with, {sha256, ext}, or None), qr_url, theme_mark ({names, colour} of the theme, or None),
    #: duration_s, version.
    on_air: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    on_air_version: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    region: Mapped[Region] = relationship()
    media: Mapped[Media | None] = relationship()


class Ticker(Audited, Approvable, db.Model):
    __tablename__ = "content_ticker"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    #: {"vi": plain text, "en": ...} — plain text, never markup.
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    speed_px_s: Mapped[int] = mapped_column(Integer, default=80)
    fg: Mapped[str] = mapped_column(String(7), default="#ffd400")
    bg: Mapped[str] = mapped_column(String(7), default="#000000")
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[int] = mapped_column(Integer, default=30)
    on_air: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    on_air_version: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    region: Mapped[Region] = relationship()


class Render(db.Model):
    """A generated file (media rendition or rendered slide), found by the hash of everything that
    affects its pixels: an unchanged input never renders twice."""

    __tablename__ = "content_render"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    ext: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def url(self) -> str:
        return f"/media/{self.sha256}.{self.ext}"

    def as_asset(self) -> dict:
        return {"url": self.url, "sha256": self.sha256, "size": self.size, "mime": self.mime, "kind": "image",
                "duration_s": None}


class QrScan(db.Model):
    """One scan of a slide's QR code: which slide, on which screen, when, by what browser."""

    __tablename__ = "content_qr_scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    slide_id: Mapped[int] = mapped_column(Integer, index=True)
    screen_id: Mapped[int | None] = mapped_column(Integer, index=True)
    target_url: Mapped[str] = mapped_column(String(1000), default="")
    user_agent: Mapped[str] = mapped_column(Text, default="")

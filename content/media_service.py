"""Media library operations: add an upload (a draft until approved), replace its file (back to review, the
approved file stays on air), find where an item is used, delete (refused while on air), and which stored
files are still needed."""

from __future__ import annotations

import logging
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import func, or_, select

from content import storage
from content.intake import UploadRejected, intake
from content.models import Media, Render, Slide
from signage import text
from signage.extensions import db
from signage.redis_client import get_queue
from signage.signals import item_in_use

log = logging.getLogger(__name__)
#: Longest display name kept from an uploaded file's name.
NAME_MAX = 120


class MediaInUse(RuntimeError):
    """Deleting is refused; str(exc) says where the item is used."""


def split_tags(raw: str) -> list[str]:
    seen: list[str] = []
    for tag in text.clean(raw).replace(";", ",").split(","):
        tag = " ".join(tag.strip().lower().split())
        if tag and tag not in seen:
            seen.append(tag[:50])
    return seen


def display_name(filename: str | None) -> str:
    """The name shown in the library for an uploaded file name: NFC, control characters (NUL...) removed, folder
    parts (`../`, `C:\\`) and leading dots dropped, at most NAME_MAX characters with the extension kept."""
    name = text.clean_line(filename).replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".").strip()
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        keep = f"{dot}{ext}" if dot and 0 < len(ext) <= 10 else ""
        name = (stem if keep else name)[:NAME_MAX - len(keep)].rstrip() + keep
    return name or _("untitled")


def add_upload(stream: BinaryIO, filename: str | None, region_id: int, user_id: int | None,
               tags: list[str] | None = None) -> tuple[Media, bool]:
    """Validate and store one upload. Returns (media, created); the same file already in this region's
    library is returned as is. Raises UploadRejected with nothing stored."""
    accepted = intake(stream)
    existing = db.session.scalar(select(Media).where(Media.region_id == region_id, Media.sha256 == accepted.sha256))
    if existing is not None:
        accepted.discard()
        return existing, False
    was_stored = storage.exists(accepted.sha256, accepted.ext)
    accepted.adopt()
    media = Media(region_id=region_id, name=display_name(filename), sha256=accepted.sha256, ext=accepted.ext,
                  mime=accepted.mime, kind=accepted.kind, size=accepted.size, width=accepted.width,
                  height=accepted.height, duration_s=accepted.duration_s, tags=tags or [], created_by_id=user_id)
    db.session.add(media)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        if not was_stored:
            storage.remove(accepted.sha256, accepted.ext)
        raise
    enqueue_renditions(media.id)
    return media, True


def replace_file(media: Media, stream: BinaryIO) -> list[Slide]:
    """Put new bytes behind an existing item (same id, so schedules keep it) as its new working file. The
    item goes back to review, and so does every slide whose working copy shows it; screens keep the approved
    file (the on-air snapshots pin it) until those are approved again, so nothing on air changes here.
    Returns the slides sent back to review. Raises UploadRejected, nothing changed."""
    from content import workflow

    accepted = intake(stream)
    if accepted.kind != media.kind:
        accepted.discard()
        raise UploadRejected(_("Replace an image with an image and a video with a video."))
    if accepted.sha256 == media.sha256:
        accepted.discard()
        return []  # the same bytes: nothing to review again
    old_sha, old_ext = media.sha256, media.ext
    accepted.adopt()
    media.sha256, media.ext, media.mime, media.size = accepted.sha256, accepted.ext, accepted.mime, accepted.size
    media.width, media.height, media.duration_s = accepted.width, accepted.height, accepted.duration_s
    slides = workflow.media_file_replaced(media)
    db.session.commit()
    remove_file_if_unused(old_sha, old_ext)
    enqueue_renditions(media.id)
    return slides


def enqueue_renditions(media_id: int) -> None:
    try:
        get_queue("default").enqueue("content.jobs.make_renditions", media_id, result_ttl=60, failure_ttl=3600)
    except RedisError:
        log.exception("could not enqueue renditions of media %s", media_id)


def thumbnail_url(media: Media) -> str | None:
    """The library's tile picture: the image scaled down, or a video's poster frame (content.jobs)."""
    from content.rendering import THUMB_SIZE, rendition_key

    render = db.session.scalar(select(Render).where(Render.key == rendition_key(media.sha256, *THUMB_SIZE)))
    return render.url if render else None


def matches(media: Media, words: str = "", tag: str = "") -> bool:
    """Search by words in the name or tags (case-insensitive, Unicode-aware) and/or one exact tag."""
    haystack = text.clean(" ".join([media.name, *media.tags])).casefold()
    if tag and text.clean(tag).casefold() not in [text.clean(t).casefold() for t in media.tags]:
        return False
    return all(word in haystack for word in text.clean(words).casefold().split())


def slides_using(media_id: int) -> list[Slide]:
    """Slides whose working copy or on-air version shows this media item."""
    slides = db.session.scalars(select(Slide).where(or_(Slide.media_id == media_id,
                                                        Slide.on_air.is_not(None)))).all()
    return [s for s in slides if s.media_id == media_id or (s.on_air or {}).get("media_id") == media_id]


def scheduled(item_type: str, item_id: int) -> bool:
    """Whether a schedule plays the item now or later: asked through `signage.signals.item_in_use_query`,
    which scheduling answers (content sits below scheduling and never imports it)."""
    return item_in_use(current_app._get_current_object(), item_type, item_id)


def delete_media(media: Media) -> None:
    """Delete the item (and its file when no other item has the same bytes); refused while used."""
    users = slides_using(media.id)
    if users:
        names = ", ".join(s.name for s in users[:5])
        raise MediaInUse(_("Still used by slides: %(names)s. Remove it from them first.", names=names))
    if scheduled("media", media.id):
        raise MediaInUse(_("This item is in a schedule that is on air. Remove it from the schedule first."))
    files = {(media.sha256, media.ext)}
    if media.on_air:
        files.add((media.on_air["sha256"], media.on_air["ext"]))
    media_id = media.id
    db.session.delete(media)
    db.session.commit()
    for sha, ext in files:
        remove_file_if_unused(sha, ext)
    from content.api import notify_changed

    notify_changed("media", media_id)


# ---- which stored files are still needed


def pinned_files() -> set[tuple[str, str]]:
    """(sha256, ext) of every file an on-air snapshot names: each media item's approved file, and the image
    each on-air slide (and the previous version screens fall back to) was approved with. These stay in the
    store even when no media item's working copy has those bytes any more."""
    files: set[tuple[str, str]] = set()
    for snap in db.session.scalars(select(Media.on_air).where(Media.on_air.is_not(None))):
        if snap and snap.get("sha256"):
            files.add((snap["sha256"], snap["ext"]))
    for snap in db.session.scalars(select(Slide.on_air).where(Slide.on_air.is_not(None))):
        for version in (snap or {}, (snap or {}).get("previous") or {}):
            if version.get("image"):
                files.add((version["image"]["sha256"], version["image"]["ext"]))
    return files


def file_in_use(sha: str) -> bool:
    """A media item's working file, an on-air snapshot's pinned file or a render has these bytes."""
    if db.session.scalar(select(func.count()).select_from(Media).where(Media.sha256 == sha)):
        return True
    if db.session.scalar(select(func.count()).select_from(Render).where(Render.sha256 == sha)):
        return True
    return sha in {pinned_sha for pinned_sha, _ in pinned_files()}


def remove_file_if_unused(sha: str, ext: str) -> None:
    if not file_in_use(sha):
        storage.remove(sha, ext)

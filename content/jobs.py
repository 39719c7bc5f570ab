"""RQ jobs of the content package. Plain ids in; each job is idempotent (a finished render is found by
its key and never made twice) and runs inside the app context the worker pushes."""

from __future__ import annotations

import io
import logging

from PIL import Image, ImageOps

from content import renderer, rendering, storage, video
from content.api import notify_changed
from content.intake import eight_bit
from content.models import Media, MediaKind, Slide
from signage.extensions import db

log = logging.getLogger(__name__)


def render_slide(slide_id: int, width: int, height: int, lang: str, screen_id: int | None,
                 announce: bool = True) -> str | None:
    """Render the on-air version of a slide; announces the change when a new file was made."""
    slide = db.session.get(Slide, slide_id)
    if slide is None or not slide.on_air:
        return None
    spec = rendering.slide_spec(slide.id, slide.on_air, width, height, lang, screen_id)
    key = rendering.spec_key(spec)
    try:
        if rendering.find_render(key) is not None:
            return key
        image_path = image_source(spec["image"]) if spec["image"] else None
        result = renderer.render(spec, image_path)
        rendering.save_render(key, renderer.to_jpeg(result.image), "jpg", "image/jpeg", width, height)
    finally:
        rendering.clear_pending(key)
    if announce:
        notify_changed("slide", slide_id)
    return key


def image_source(image: dict):
    """For the renderer: the slide's photo cover-fitted to a box size, made once and kept as a render
    (every language, screen and later edit of the slide reuses it instead of decoding the camera file)."""
    original = storage.path_for(image["sha256"], image["ext"])

    def prepared(size: tuple[int, int]):
        key = rendering.source_key(image["sha256"], *size)
        render = rendering.find_render(key)
        if render is None:
            buffer = io.BytesIO()
            renderer.cover_fit(original, size).save(buffer, "JPEG", quality=92)
            render = rendering.save_render(key, buffer.getvalue(), "jpg", "image/jpeg", *size)
        return storage.path_for(render.sha256, render.ext)

    return prepared


def fit_rendition(path, width: int, height: int) -> tuple[bytes, int, int]:
    """A JPEG no larger than width × height: EXIF orientation applied, metadata (EXIF, GPS, ICC) dropped,
    high bit depths scaled to 8 bits (not clipped)."""
    with Image.open(path) as src:
        if src.format == "JPEG":
            src.draft("RGB", (width, height))
        img = eight_bit(ImageOps.exif_transpose(src))
        if img.mode in ("RGBA", "LA", "P"):
            img = img.convert("RGBA")
            flat = Image.new("RGB", img.size, (0, 0, 0))
            flat.paste(img, mask=img.getchannel("A"))
            img = flat
        else:
            img = img.convert("RGB")
        img.thumbnail((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        buffer = io.BytesIO()
        img.save(buffer, "JPEG", quality=85)
        return buffer.getvalue(), img.width, img.height


def make_rendition(media_id: int, width: int, height: int, sha256: str | None = None) -> str | None:
    """A rendition of the item's working file, or of `sha256` when that is its approved (on-air) file:
    screens ask for the approved one, the library and the reviewer for the working one."""
    media = db.session.get(Media, media_id)
    if media is None or (media.kind != MediaKind.IMAGE.value and (width, height) != rendering.THUMB_SIZE):
        return None  # a video gets its poster frame as thumbnail; screens play the video itself
    files = {media.sha256: media.ext}
    if media.on_air:
        files[media.on_air["sha256"]] = media.on_air["ext"]
    sha = sha256 or media.sha256
    if sha not in files:  # replaced and approved again meanwhile: nobody asks for that file any more
        rendering.clear_pending(rendering.rendition_key(sha, width, height))
        return None
    key = rendering.rendition_key(sha, width, height)
    try:
        if rendering.find_render(key) is not None:
            return key
        source = storage.path_for(sha, files[sha])
        if media.kind == MediaKind.VIDEO.value:
            try:
                source = io.BytesIO(video.poster(str(source), media.duration_s))
            except video.VideoUnreadable as exc:  # accepted at intake, so rare: the tile says "Video"
                log.warning("no poster frame for media %s: %s", media_id, exc)
                return None
        data, w, h = fit_rendition(source, width, height)
        rendering.save_render(key, data, "jpg", "image/jpeg", w, h)
    finally:
        rendering.clear_pending(key)
    if (width, height) != rendering.THUMB_SIZE and media.on_air and sha == media.on_air["sha256"]:
        notify_changed("media", media_id)  # screens were waiting for it (a draft's file reaches none)
    return key


def make_renditions(media_id: int) -> list[str]:
    """Thumbnail plus one rendition per screen size in service (a video: its poster frame as thumbnail)."""
    media = db.session.get(Media, media_id)
    if media is None:
        return []
    sizes = [rendering.THUMB_SIZE]
    if media.kind == MediaKind.IMAGE.value:
        sizes += rendering.screen_sizes()
    keys = []
    for width, height in sizes:
        key = make_rendition(media_id, width, height)
        if key:
            keys.append(key)
    return keys

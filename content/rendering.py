"""What a render depends on, its cache key, the lookup of finished renders and idempotent enqueueing.

A render is identified by the sha256 of everything that affects its pixels (template, texts in the
chosen language, image bytes, QR target, size, renderer version, fonts), so asking again for unchanged
content is one indexed lookup and never a second render.
"""

from __future__ import annotations

import hashlib
import json
import logging

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from content import fonts, storage
from content.models import Render
from content.qrlinks import tracked_url
from signage import languages
from signage.extensions import db
from signage.redis_client import get_queue, get_redis
from signage.themes import DEFAULT_COLOUR

log = logging.getLogger(__name__)

RENDERER_VERSION = 5  # 5: ink reaching past the pen kept inside its box
RENDITION_VERSION = 1
THUMB_SIZE = (320, 240)
PENDING_TTL_S = 600
RENDER_QUEUE = "default"


def pick_lang(field: dict | None, lang: str) -> str:
    field = field or {}
    return field.get(lang) or field.get("vi") or ""


def slide_languages(snapshot: dict) -> list[str]:
    """The configured languages the snapshot has text for, in the configured order ("vi" when none)."""
    texts = snapshot.get("texts") or {}
    langs = {lang for field in texts.values() for lang, value in (field or {}).items() if value and value.strip()}
    return languages.in_order(langs) or [languages.REQUIRED]


def slide_spec(slide_id: int, snapshot: dict, width: int, height: int, lang: str, screen_id: int | None) -> dict:
    """Everything the renderer needs (and nothing else), as plain JSON-able data. The image is the file the
    snapshot pins (`workflow.snapshot`), so the same snapshot always renders the same pixels."""
    texts = snapshot.get("texts") or {}
    if lang not in slide_languages(snapshot):
        lang = "vi"
    pinned = snapshot.get("image")  # the file approved with the slide, never the media item's current one
    image = {"sha256": pinned["sha256"], "ext": pinned["ext"]} if pinned else None
    qr = tracked_url(slide_id, screen_id) if snapshot.get("qr_url") else None
    return {
        "template": snapshot.get("template", "title_body"),
        "width": int(width),
        "height": int(height),
        "lang": lang,
        "title": pick_lang(texts.get("title"), lang),
        "body": pick_lang(texts.get("body"), lang),
        "caption": pick_lang(texts.get("caption"), lang),
        "image": image,
        "qr": qr,
        "mark": mark_spec(snapshot.get("theme_mark"), lang),
    }


def mark_spec(mark: dict | None, lang: str) -> dict | None:
    """The theme's mark as the renderer draws it: {text in `lang` (else Vietnamese), colour}, or None."""
    if not mark:
        return None
    text = pick_lang(mark.get("names"), lang).strip()
    return {"text": text, "colour": mark.get("colour") or DEFAULT_COLOUR} if text else None


def spec_key(spec: dict) -> str:
    used = [fonts.font_for(spec[f], spec["lang"], bold) for f, bold in (("title", True), ("body", False),
                                                                       ("caption", False)) if spec.get(f)]
    if spec.get("mark"):
        used.append(fonts.font_for(spec["mark"]["text"], spec["lang"], True))
    if any(fonts.has_emoji(spec.get(f) or "") for f in ("title", "body", "caption")):
        used.append(fonts.emoji_font())  # installing the colour emoji font changes these pixels
    # without a mark the pixels are those of before marks existed: keep those renders' keys
    hashed = {k: v for k, v in spec.items() if not (k == "mark" and v is None)}
    payload = {"renderer": RENDERER_VERSION, "fonts": fonts.fingerprint(), "used": used, "spec": hashed}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def rendition_key(media_sha: str, width: int, height: int) -> str:
    return hashlib.sha256(f"fit:{RENDITION_VERSION}:{media_sha}:{width}x{height}".encode()).hexdigest()


def source_key(media_sha: str, width: int, height: int) -> str:
    return hashlib.sha256(f"cover-source:{RENDITION_VERSION}:{media_sha}:{width}x{height}".encode()).hexdigest()


def find_render(key: str) -> Render | None:
    return db.session.scalar(select(Render).where(Render.key == key))


def save_render(key: str, data: bytes, ext: str, mime: str, width: int, height: int) -> Render:
    """Store the bytes content-addressed and record the render (a concurrent duplicate is harmless)."""
    sha, _ = storage.store_bytes(data, ext)
    render = Render(key=key, sha256=sha, ext=ext, mime=mime, size=len(data), width=width, height=height)
    db.session.add(render)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        render = find_render(key)
    return render


def enqueue_once(key: str, func: str, *args) -> bool:
    """Enqueue `func(*args)` unless a job for this render key is already pending. True if enqueued."""
    redis = get_redis()
    marker = f"content:pending:{key}"
    try:
        if not redis.set(marker, "1", nx=True, ex=PENDING_TTL_S):
            return False
        get_queue(RENDER_QUEUE).enqueue(func, *args, job_id=f"content-{key[:40]}", result_ttl=60,
                                        failure_ttl=3600)
    except RedisError:
        log.exception("could not enqueue %s%s", func, args)
        return False
    return True


def clear_pending(key: str) -> None:
    try:
        get_redis().delete(f"content:pending:{key}")
    except RedisError:
        pass


def screen_sizes() -> list[tuple[int, int]]:
    """Distinct sizes of screens in service (renditions are made for these)."""
    from signage.models import Screen

    rows = db.session.execute(select(Screen.width, Screen.height).where(Screen.retired_at.is_(None)).distinct())
    return sorted({(w, h) for w, h in rows if w > 0 and h > 0})

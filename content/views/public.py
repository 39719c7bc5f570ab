"""Public endpoints: content-addressed media files and tracked QR links (no sign-in: players and
passers-by use them)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, send_file
from sqlalchemy import select

from content import storage
from content.models import QrScan, Slide
from content.qrlinks import parse_code
from signage.extensions import db, limiter

bp = Blueprint("content_public", __name__)

MIME_BY_EXT = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "mp4": "video/mp4",
               "webm": "video/webm"}
ONE_YEAR = 31536000


@bp.route("/media/<name>")
def media_file(name: str):
    """Immutable by construction (the name is the sha256 of the bytes): cache forever, ETag = sha256."""
    match = storage.SHA_NAME.match(name)
    if not match or match["ext"] not in MIME_BY_EXT:
        abort(404)
    path = storage.path_for(match["sha"], match["ext"])
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=MIME_BY_EXT[match["ext"]], etag=match["sha"], conditional=True,
                         max_age=ONE_YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def safe_target(url: str) -> str | None:
    parts = urlsplit(url or "")
    return url if parts.scheme in ("http", "https") and parts.netloc else None


@bp.route("/q/<code>")
@limiter.limit("120 per minute")
def qr_redirect(code: str):
    """Record the scan (slide, screen, time, browser) and send the visitor to the slide's target."""
    parsed = parse_code(code)
    if parsed is None:
        abort(404)
    slide_id, screen_id = parsed
    slide = db.session.scalar(select(Slide).where(Slide.id == slide_id))
    target = safe_target(((slide.on_air or {}).get("qr_url") if slide else None) or "")
    if target is None:
        abort(404)
    db.session.add(QrScan(slide_id=slide_id, screen_id=screen_id, target_url=target,
                          user_agent=(request.user_agent.string or "")[:1000]))
    db.session.commit()
    response = redirect(target, code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response

"""Security headers on every response the controller gives: operator pages, the player (`/play/`, its
scripts and its service worker), the public SMS and QR pages, the APIs, error pages and static files.

- `Content-Security-Policy`: scripts only from this site's files (no inline script, no `eval`; page data
  reaches scripts through `data-*` attributes or `<script type="application/json">`), nothing loaded from
  elsewhere, no plugins, forms posting only here, framed only by this site. Inline *styles* stay allowed:
  templates set computed widths and colours in `style` attributes, and styles cannot run code.
  Images, media and fetches may also be `blob:` (the composer's live preview, the player's cached assets),
  images also `data:` (small thumbnails).
- `X-Frame-Options` for browsers older than `frame-ancestors`; `X-Content-Type-Options: nosniff`;
  `Referrer-Policy: same-origin` (nothing outside needs our addresses; the QR redirect sends none at all).
A view that sets one of these itself keeps its own (media files: `default-src 'none'; sandbox`)."""

from __future__ import annotations

from flask import Flask, Response

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' blob:",
    "font-src": "'self' data:",
    "connect-src": "'self' blob:",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {sources}" for name, sources in POLICY.items())
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)

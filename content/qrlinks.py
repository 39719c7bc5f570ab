"""Short tracked links `/q/<code>`, one per slide × screen, so a scan tells which screen it came from.

Codes are signed (HMAC of SECRET_KEY) rather than stored: building a manifest never writes to the
database, and a forged or mistyped code is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import string

from flask import current_app

_ALPHABET = string.digits + string.ascii_lowercase


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _ALPHABET[r] + out
        if n == 0:
            return out


def _sig(slide_id: int, screen_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"qr:{slide_id}:{screen_id}".encode(), hashlib.sha256).digest()
    return _b36(int.from_bytes(digest[:5], "big")).rjust(8, "0")[:8]


def make_code(slide_id: int, screen_id: int | None) -> str:
    screen = screen_id or 0
    return f"{_b36(slide_id)}-{_b36(screen)}-{_sig(slide_id, screen)}"


def parse_code(code: str) -> tuple[int, int | None] | None:
    """(slide_id, screen_id or None) for a valid code, None for anything else."""
    parts = code.lower().split("-")
    if len(parts) != 3 or not all(parts) or any(set(p) - set(_ALPHABET) for p in parts) or len(parts[0]) > 12:
        return None
    try:
        slide_id, screen = int(parts[0], 36), int(parts[1], 36)
    except ValueError:
        return None
    if not hmac.compare_digest(parts[2], _sig(slide_id, screen)):
        return None
    return slide_id, (screen or None)


def tracked_url(slide_id: int, screen_id: int | None) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}/q/{make_code(slide_id, screen_id)}"

"""Short tracked links `/q/<code>`, one per slide × screen, so a scan tells which screen it came from.

Codes are signed (signage.signing) rather than stored: building a manifest never writes to the
database, and a forged or mistyped code is refused.
"""

from __future__ import annotations

from flask import current_app

from signage import signing


def _encode(digest: bytes) -> str:
    return signing.base36(int.from_bytes(digest[:5], "big")).rjust(8, "0")[:8]


def make_code(slide_id: int, screen_id: int | None) -> str:
    screen = screen_id or 0
    sig = _encode(signing.digest(f"qr:{slide_id}:{screen}"))
    return f"{signing.base36(slide_id)}-{signing.base36(screen)}-{sig}"


def parse_code(code: str) -> tuple[int, int | None] | None:
    """(slide_id, screen_id or None) for a valid code, None for anything else."""
    parts = code.lower().split("-")
    if len(parts) != 3 or not all(signing.is_base36(p) for p in parts) or len(parts[0]) > 12:
        return None
    slide_id, screen = int(parts[0], 36), int(parts[1], 36)
    if not signing.matches(f"qr:{slide_id}:{screen}", parts[2], _encode):
        return None
    return slide_id, (screen or None)


def tracked_url(slide_id: int, screen_id: int | None) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}/q/{make_code(slide_id, screen_id)}"

"""The player's version: a hash of every file the browser runs (scripts, styles, the page and service
worker templates). The manifest announces it and it is part of every manifest ETag, so a deploy of new
player code reaches each screen on its next poll and the screen reloads itself."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLAYER_FILES = (HERE / "static", HERE / "templates" / "player")
RECHECK_S = 10.0

_cached: tuple[float, str] = (float("-inf"), "")


def player_version() -> str:
    """Re-hashed at most every RECHECK_S seconds (it is read on every manifest poll)."""
    global _cached
    checked, value = _cached
    now = time.monotonic()
    if now - checked < RECHECK_S:
        return value
    digest = hashlib.sha256()
    for path in sorted(p for folder in PLAYER_FILES for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(HERE).as_posix().encode())
        digest.update(path.read_bytes())
    _cached = (now, digest.hexdigest()[:16])
    return _cached[1]

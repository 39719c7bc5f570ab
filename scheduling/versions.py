"""Per-screen manifest versions in Redis, and the ETag a player sees.

The ETag is `"<screen id>.<counter>.<epoch>"`: the counter changes on every bump (any change that may
alter the screen's manifest), the epoch once a day per screen (at a per-screen offset, so a fleet does
not refetch at the same second), which moves the 48-hour window forward — recurring entries that start
beyond the window reach the player at least a day before they play, with no job needed.
Because the screen id is in the ETag, the 304 path reads the token and the version in one MGET.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable

from signage.redis_client import get_redis

EPOCH_S = 24 * 3600


def version_key(screen_id: int) -> str:
    return f"manifest:ver:{screen_id}"


def _fresh_counter() -> str:
    # Unique across Redis restarts (a flushed Redis must never hand out an old counter again).
    return f"{time.time_ns():x}{os.urandom(2).hex()}"


def bump(screen_ids: Iterable[int]) -> list[int]:
    """Give each screen a new version; its next poll gets a fresh manifest. Returns the ids bumped."""
    ids = sorted(set(screen_ids))
    if ids:
        get_redis().mset({version_key(sid): _fresh_counter() for sid in ids})
    return ids


def counter(screen_id: int) -> str:
    """The screen's counter, created when Redis lost it (read before the manifest is built)."""
    redis = get_redis()
    value = redis.get(version_key(screen_id))
    if value is None:
        redis.set(version_key(screen_id), _fresh_counter(), nx=True)
        value = redis.get(version_key(screen_id))
    return value.decode()


def screen_offset_s(screen_id: int) -> int:
    """A deterministic per-screen offset in [0, EPOCH_S) spreading daily refreshes over the day."""
    return int.from_bytes(hashlib.sha256(f"epoch:{screen_id}".encode()).digest()[:4], "big") % EPOCH_S


def epoch(screen_id: int, now_s: float) -> int:
    return int((now_s - screen_offset_s(screen_id)) // EPOCH_S)


def etag(screen_id: int, counter_value: str, now_s: float, code_version: str = "") -> str:
    """Changes with the screen's counter, its daily epoch, and `code_version` — the player code's version,
    given by the player side (scheduling does not know it), so a deploy reaches every screen."""
    return f"{screen_id}.{counter_value}.{epoch(screen_id, now_s)}.{code_version}"


def parse_etag(header: str | None) -> tuple[int, str] | None:
    """(screen id, opaque etag) from an If-None-Match header, or None."""
    if not header:
        return None
    value = header.split(",")[0].strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    head = value.split(".", 1)[0]
    if not head.isdigit():
        return None
    return int(head), value

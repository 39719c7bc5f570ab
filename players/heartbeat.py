"""Heartbeats: every beat goes to Redis; the database row is written at most every few minutes per screen,
or at once when the player's state changes (app version, screen size, errors, back from offline). A beat
after a silence longer than the offline threshold (or one Redis cannot vouch for) opens an online interval
of the screen's history (players.intervals). A quiet beat — nothing for the database to do, which is almost
every beat — is answered in the WSGI layer (players.fastpath: one MGET, one SET, no Flask); the Flask view
records the rest.

Input is checked field by field (`normalise` raises `InvalidField` naming it, the view answers 400): numbers
must be finite and within range (a screen of 1e400 pixels or free storage of -10**20 bytes is refused, not
stored). The player's diagnostics (`diagnostics`, optional) are kept on the screen status, latest only, with
these keys (fleet rules read them; a key the player did not send is left out):

- missing_assets, corrupt_assets: URLs of manifest assets absent from the player's cache, or whose bytes do
  not match their sha256 (at most 50 each)
- free_storage_bytes: what the browser's storage estimate leaves
- js_errors: [{"message", "count"}] — JavaScript errors since the last beat, deduplicated (at most 20)
- clock_offset_ms: the player's clock minus the controller's; rtt_ms: the last API round trip
- browser: the user agent; page_uptime_s: seconds since the page loaded
- blank_s: how long the glass has been playing nothing (no item, no alert) though it should — 0 while
  something plays; blank hours (players.blank) do not count

Each beat is stored in Redis twice, in one MSET (`store`): whole, as JSON (`latest`), and as its vitals — the
few figures the fleet's rules read for every screen every minute (`Vitals`, one short line of numbers:
`vitals_of`), so that evaluating 10,000 screens does not parse 10,000 beats' JSON. `latest_vitals` reads them
and falls back to the whole beat (from Redis, else the database row) where Redis lost the line. The fast path
still writes once: the two keys in one MSET.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from players import intervals
from players.intervals import GRACE_S, is_online
from players.models import ScreenStatus
from players.version import player_version
from scheduling import versions
from signage.extensions import db
from signage.redis_client import get_redis

COMEBACK_GAP_S = 120


def _key(kind: str, screen_id: int) -> str:
    return f"player:{kind}:{screen_id}"


class InvalidField(ValueError):
    """A heartbeat field of the wrong type or out of range; `field` names it (the 400 answer says which)."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


MAX_PIXELS = 100_000
MAX_BYTES = 2**53  # a petabyte is far beyond any player; also the largest integer JavaScript sends exactly
MAX_LIST = 50
MAX_JS_ERRORS = 20


def number(value, field: str, low: int, high: int) -> int | None:
    """A finite number within [low, high] as an int, None for a missing one; else InvalidField(field).
    (JSON's 1e400 and Infinity parse to an infinite float; a bool is not a number.)"""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidField(field)
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidField(field)
    if not low <= value <= high:
        raise InvalidField(field)
    return int(value)


def _strings(value, field: str, cap: int, length: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidField(field)
    return [str(v)[:length] for v in value[:cap]]


def diagnostics(raw) -> dict:
    """The diagnostics of a beat, checked (see the module docstring for the keys)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidField("diagnostics")
    out: dict = {}
    for key in ("missing_assets", "corrupt_assets"):
        if key in raw:
            out[key] = _strings(raw[key], f"diagnostics.{key}", MAX_LIST, 500)
    limits = {"free_storage_bytes": (0, MAX_BYTES), "clock_offset_ms": (-10**12, 10**12),
              "rtt_ms": (0, 10**7), "page_uptime_s": (0, 10**9), "blank_s": (0, 10**9)}
    for key, (low, high) in limits.items():
        if raw.get(key) is not None:
            out[key] = number(raw[key], f"diagnostics.{key}", low, high)
    if raw.get("browser") is not None:
        out["browser"] = str(raw["browser"])[:200]
    if "js_errors" in raw:
        out["js_errors"] = js_errors(raw["js_errors"])
    return out


def js_errors(raw) -> list[dict]:
    """[{message, count}] deduplicated by message (counts added), the most frequent first, at most 20."""
    if not isinstance(raw, list):
        raise InvalidField("diagnostics.js_errors")
    counts: dict[str, int] = {}
    for i, item in enumerate(raw[:200]):
        if not isinstance(item, dict):
            raise InvalidField(f"diagnostics.js_errors[{i}]")
        message = str(item.get("message") or "")[:300]
        count = number(item.get("count", 1), f"diagnostics.js_errors[{i}].count", 1, 10**9) or 1
        counts[message] = counts.get(message, 0) + count
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:MAX_JS_ERRORS]
    return [{"message": message, "count": count} for message, count in ranked]


def normalise(body: dict, now_ms: int, remote_addr: str) -> dict:
    """The beat as stored; InvalidField for a field of the wrong type or out of range."""
    errors = _strings(body.get("errors"), "errors", 20, 500)
    playing = body.get("playing")
    if playing is not None and not isinstance(playing, dict):
        raise InvalidField("playing")
    playing = playing or {}
    return {
        "last_seen_ms": now_ms,
        "playing": playing if len(json.dumps(playing)) <= 4000 else {},
        "app_version": str(body.get("app_version") or "")[:64],
        # the ETag of the manifest the player plays from (what it last fetched); compared with the current one
        "manifest_etag": str(body.get("manifest_etag") or "").removeprefix("W/").strip('"')[:200],
        "screen_w": number(body.get("screen_w"), "screen_w", 0, MAX_PIXELS),
        "screen_h": number(body.get("screen_h"), "screen_h", 0, MAX_PIXELS),
        "free_storage": number(body.get("free_storage"), "free_storage", 0, MAX_BYTES),
        "errors": errors,
        "sent_at": str(body.get("sent_at") or "")[:40],
        "remote_addr": remote_addr[:64],
        "diagnostics": diagnostics(body.get("diagnostics")),
    }


def _state_signature(beat: dict) -> str:
    state = [beat["app_version"], beat["screen_w"], beat["screen_h"], beat["errors"]]
    return hashlib.sha1(json.dumps(state).encode()).hexdigest()


def state_keys(screen_id: int) -> list[str]:
    return [_key("hb", screen_id), _key("hbsig", screen_id), _key("hbdb", screen_id), intervals.poll_key(screen_id),
            intervals.online_flag_key(screen_id), versions.version_key(screen_id)]


def _quiet(beat: dict, before: dict, old_sig: bytes | None, last_write, poll, online_flag, now_ms: int,
           interval_s: int) -> bool:
    """True when the beat changes nothing but Redis: an online interval is open and the screen was heard
    within its threshold, the database row is not due, not back from a silence, its state unchanged."""
    previous_ms = before.get("last_seen_ms")
    if online_flag is None or previous_ms is None or poll is None or not is_online(previous_ms, now_ms, int(poll)):
        return False
    due = last_write is None or now_ms - int(last_write) >= interval_s * 1000
    came_back = now_ms - previous_ms > COMEBACK_GAP_S * 1000
    return not (due or came_back or old_sig is None or old_sig.decode() != _state_signature(beat))


def fast_record(redis, screen_id: int, beat: dict, state: list, now_ms: int, interval_s: int) -> bool:
    """The WSGI fast path of a beat (players.fastpath): store it in Redis and return True when the beat is
    quiet (`_quiet`, judged from `state`, the values of `_state_keys` read in the caller's MGET); False, with
    nothing written, when the database has work to do (the Flask view then records it all)."""
    previous, old_sig, last_write, poll, online_flag, counter = state
    before = json.loads(previous) if previous is not None else {}
    if not _quiet(beat, before, old_sig, last_write, poll, online_flag, now_ms, interval_s):
        return False
    beat["stale_since_ms"] = stale_since(beat["manifest_etag"], screen_id, counter, now_ms, before)
    store(redis, screen_id, beat)
    return True


def record(screen_id: int, body: dict, now_ms: int, remote_addr: str = "") -> bool:
    """Store a heartbeat; True when it was also written to the database. InvalidField before anything is
    stored when a field is of the wrong type or out of range."""
    beat = normalise(body, now_ms, remote_addr)
    interval = current_app.config["PLAYER_HEARTBEAT_DB_INTERVAL_S"]
    pipe = get_redis().pipeline(transaction=False)
    pipe.get(_key("hb", screen_id))
    pipe.getset(_key("hbsig", screen_id), _state_signature(beat))
    pipe.get(_key("hbdb", screen_id))
    pipe.get(intervals.poll_key(screen_id))
    pipe.get(intervals.online_flag_key(screen_id))
    pipe.get(versions.version_key(screen_id))
    previous, old_sig, last_write, poll, online_flag, counter = pipe.execute()
    before = json.loads(previous) if previous is not None else {}
    previous_ms = before.get("last_seen_ms")
    beat["stale_since_ms"] = stale_since(beat["manifest_etag"], screen_id, counter, now_ms, before)
    store(get_redis(), screen_id, beat)
    poll_s = intervals.poll_interval(screen_id, poll)
    if online_flag is None or previous_ms is None or not is_online(previous_ms, now_ms, poll_s):
        intervals.note_contact(screen_id, datetime.fromtimestamp(now_ms / 1000, UTC),
                               datetime.fromtimestamp(previous_ms / 1000, UTC) if previous_ms else None, poll_s)
    due = last_write is None or now_ms - int(last_write) >= interval * 1000
    # Back after a silence longer than any poll interval + grace: record the return at once.
    came_back = previous_ms is None or now_ms - previous_ms > COMEBACK_GAP_S * 1000
    if not (due or came_back or old_sig is None or old_sig.decode() != _state_signature(beat)):
        return False
    _write_db(screen_id, beat)
    get_redis().set(_key("hbdb", screen_id), now_ms, ex=7 * 24 * 3600)
    return True


def stale_since(manifest_etag: str, screen_id: int, counter: bytes | None, now_ms: int, before: dict) -> int | None:
    """Since when (ms) the player has been playing from a manifest that is not the current one; None when it
    is current or unknown (an old player that does not say, or Redis lost the version)."""
    if not manifest_etag or counter is None:
        return None
    current = versions.etag(screen_id, counter.decode(), now_ms / 1000, player_version())
    if manifest_etag == current:
        return None
    return before.get("stale_since_ms") or now_ms


def is_stale(beat: dict, now_ms: int, poll_interval_s: int) -> bool:
    """Stale for longer than two polls and the grace period: a change that has not reached the screen (a
    fresh change, or the daily epoch, is picked up by the next poll and never counts)."""
    since = beat.get("stale_since_ms")
    return since is not None and now_ms - since > (2 * poll_interval_s + GRACE_S) * 1000


def _write_db(screen_id: int, beat: dict) -> None:
    row = db.session.get(ScreenStatus, screen_id) or ScreenStatus(screen_id=screen_id)
    row.last_seen_at = datetime.fromtimestamp(beat["last_seen_ms"] / 1000, UTC)
    for field in ("playing", "app_version", "screen_w", "screen_h", "free_storage", "errors", "remote_addr",
                  "diagnostics"):
        setattr(row, field, beat[field])
    db.session.add(row)
    db.session.commit()


class Vitals(NamedTuple):
    """The figures of a beat that the fleet's rules read (fleet.rules), ints or None where the beat did not say
    (`normalise` made every number an int). `asset_errors`: how many assets the player reports missing or
    corrupt (0 when it does not say)."""

    last_seen_ms: int | None
    stale_since_ms: int | None
    free_storage: int | None
    blank_s: int | None
    asset_errors: int
    free_storage_bytes: int | None
    clock_offset_ms: int | None


def _int(value) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def vitals_of(beat: dict) -> Vitals:
    """The vitals of a beat as `normalise` (or the database row, `latest`) leaves it."""
    diag = beat.get("diagnostics") or {}
    return Vitals(_int(beat.get("last_seen_ms")), _int(beat.get("stale_since_ms")), _int(beat.get("free_storage")),
                  _int(diag.get("blank_s")),
                  len(diag.get("missing_assets") or ()) + len(diag.get("corrupt_assets") or ()),
                  _int(diag.get("free_storage_bytes")), _int(diag.get("clock_offset_ms")))


def encode_vitals(vitals: Vitals) -> str:
    """One line: the fields in order, comma-separated, empty for None ("1772420400000,,8589934592,0,0,,40")."""
    return ",".join("" if v is None else str(v) for v in vitals)


def decode_vitals(raw: bytes) -> Vitals | None:
    """The vitals of `encode_vitals`' line; None for a line of another shape (the caller reads the beat)."""
    parts = raw.split(b",")
    if len(parts) != len(Vitals._fields):
        return None
    try:
        return Vitals._make([int(p) if p else None for p in parts])
    except ValueError:
        return None


def store(redis, screen_id: int, beat: dict) -> None:
    """The beat in Redis, whole and as its vitals, in one command (`redis` may be a pipeline)."""
    redis.mset({_key("hb", screen_id): json.dumps(beat), _key("vitals", screen_id): encode_vitals(vitals_of(beat))})


def latest_vitals(screen_ids: list[int]) -> Iterator[tuple[int, Vitals | None]]:
    """(screen_id, the vitals of its last heartbeat) for each of `screen_ids` once, in no particular order; None
    for a screen never heard of. The lines in Redis, the whole beat (`latest`) where Redis lost the line or holds
    one of another shape. A generator, so that the caller can turn each into what it needs as it goes: 10,000
    of them alive at once would be enough to wake Python's full garbage collection."""
    if not screen_ids:
        return
    raw = get_redis().mget([_key("vitals", sid) for sid in screen_ids])
    lost = []
    for sid, line in zip(screen_ids, raw, strict=True):
        vitals = None if line is None else decode_vitals(line)
        if vitals is None:
            lost.append(sid)
        else:
            yield sid, vitals
    if lost:
        beats = latest(lost)
        for sid in lost:
            beat = beats.get(sid)
            yield sid, None if beat is None else vitals_of(beat)


def latest(screen_ids: list[int]) -> dict[int, dict]:
    """Last heartbeat per screen: Redis first, the database row when Redis lost it."""
    if not screen_ids:
        return {}
    raw = get_redis().mget([_key("hb", sid) for sid in screen_ids])
    found = {sid: json.loads(v) for sid, v in zip(screen_ids, raw, strict=True) if v is not None}
    missing = [sid for sid in screen_ids if sid not in found]
    if missing:
        for row in db.session.scalars(select(ScreenStatus).where(ScreenStatus.screen_id.in_(missing))):
            found[row.screen_id] = {
                "last_seen_ms": int(row.last_seen_at.timestamp() * 1000), "playing": row.playing,
                "app_version": row.app_version, "screen_w": row.screen_w, "screen_h": row.screen_h,
                "free_storage": row.free_storage, "errors": row.errors, "remote_addr": row.remote_addr,
                "diagnostics": row.diagnostics or {},
            }
    return found

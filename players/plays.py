"""Proof of play: batches from players, idempotent on the client's id, kept after content is deleted — and
not taken on the player's word.

Contract:
- A batch is at most MAX_BATCH plays (and MAX_BATCH_BYTES of JSON); a larger one is refused whole with 413
  and `max_batch`, and nothing of it is stored (the player sends smaller batches: players/static/js/main.js).
- Every play is checked field by field (`parse`): types and ranges (an id of 10**30, a start in the year
  9999); a bad field refuses the batch with 400 naming it (`plays[3].item_id`) — a player never sends one,
  so only a broken or hostile client sees it.
- A well-formed play is then judged against what the controller gave that screen (`judge`, a pure
  function of the play, the manifests served to the screen and `now`): the item (and, when the player
  names it, the asset version by sha256, and the schedule entry) must be in a manifest served to the screen
  before the play started and still valid then (or the last one served before it: an offline player plays
  on from its last manifest), and the start must lie between now − PLAYER_PLAYS_MAX_AGE_H and now + CLOCK_SKEW.
  A play that fails is stored apart (`PlayRejected`, with the reason) and counted as rejected: it never
  reaches `PlayRecord`, so never the reports' roll-ups.
- Blank periods (item_type "blank", dark by blank hours) are proof of play of the dark time: judged on their
  times only and stored in `BlankPeriod`.
- The manifests served are recorded by `note_served` (players.api, on every manifest it builds): one row per
  distinct content per screen, its validity extended when the same content is served again.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from players.models import BlankPeriod, ManifestServed, PlayRecord, PlayRejected
from signage.extensions import db
from signage.timeutil import utcnow

MAX_BATCH = 500
MAX_BATCH_BYTES = 1024 * 1024
ITEM_TYPES = {"slide", "media", "ticker"}
BLANK = "blank"
CLOCK_SKEW = timedelta(minutes=5)
MAX_ID = 2**31 - 1
MAX_DURATION_S = 24 * 3600
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class InvalidPlay(ValueError):
    """A play field of the wrong type or out of range; `field` names it (`plays[3].item_id`)."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


# ---------------------------------------------------------------- parsing


def _id(value, field: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise InvalidPlay(field)
    return value


def _time(value, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (TypeError, ValueError, OverflowError) as exc:  # 9999-12-31T23:59:59-14:00 overflows in UTC
        raise InvalidPlay(field) from exc
    if parsed < EARLIEST or parsed.year > 2100:
        raise InvalidPlay(field)
    return parsed


def _duration(value, field: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= MAX_DURATION_S:
        raise InvalidPlay(field)
    return float(value)


def parse(index: int, raw) -> dict:
    """One play of a batch as a row; InvalidPlay naming the field when it is not one."""
    at = f"plays[{index}]"
    if not isinstance(raw, dict):
        raise InvalidPlay(at)
    client_id = str(raw.get("id") or "").strip()
    if not client_id or len(client_id) > 64:
        raise InvalidPlay(f"{at}.id")
    item_type = raw.get("item_type")
    if item_type not in ITEM_TYPES and item_type != BLANK:
        raise InvalidPlay(f"{at}.item_type")
    return {
        "client_id": client_id, "item_type": item_type,
        "item_id": 0 if item_type == BLANK else _id(raw.get("item_id"), f"{at}.item_id"),
        "entry_id": _id(raw.get("entry_id"), f"{at}.entry_id", optional=True),
        "started_at": _time(raw.get("started_at"), f"{at}.started_at"),
        "duration_s": _duration(raw.get("duration_s"), f"{at}.duration_s"),
        "name": str(raw.get("name") or "")[:300], "sha256": str(raw.get("sha256") or "")[:64],
    }


# ---------------------------------------------------------------- the pure core


@dataclass(frozen=True)
class Served:
    """A manifest served to a screen: when, until when it was valid, its items' versions and its entries."""

    served_at: datetime
    valid_until: datetime
    items: dict[str, list[str]]  # "slide:5" → sha256 of its assets ([] for tickers)
    entries: frozenset[int]


def judge(play: dict, served: Iterable[Served], now: datetime, max_age: timedelta) -> str | None:
    """Why a parsed play cannot be believed, or None when it can (the rules are in the module docstring)."""
    started = play["started_at"]
    if started > now + CLOCK_SKEW:
        return "future"
    if started < now - max_age:
        return "too_old"
    if play["item_type"] == BLANK:
        return None
    before = [m for m in served if m.served_at <= started + CLOCK_SKEW]
    if not before:
        return "not_in_manifest"
    last = max(before, key=lambda m: m.served_at)
    around = [m for m in before if m.valid_until >= started - CLOCK_SKEW or m is last]
    key = f"{play['item_type']}:{play['item_id']}"
    having = [m for m in around if key in m.items]
    if not having:
        return "not_in_manifest"
    versions = {sha for m in having for sha in m.items[key]}
    if play["sha256"] and versions and play["sha256"] not in versions:
        return "unknown_version"
    if play["entry_id"] is not None and not any(play["entry_id"] in m.entries for m in having):
        return "unknown_entry"
    return None


def manifest_contents(manifest: dict) -> tuple[dict[str, list[str]], list[int]]:
    """(items → asset versions, entry ids) of a manifest body (scheduling.manifest.build_manifest)."""
    items: dict[str, set[str]] = {}
    entries: set[int] = set()
    for segment in manifest.get("timeline") or []:
        if segment.get("entry_id") is not None:
            entries.add(segment["entry_id"])
        for item in segment.get("items") or []:
            shas = items.setdefault(f"{item['item_type']}:{item['item_id']}", set())
            shas.update(a.get("sha256") for a in (item.get("assets") or {}).values() if a.get("sha256"))
    for item in (manifest.get("fallback") or {}).get("items") or []:
        shas = items.setdefault(f"{item['item_type']}:{item['item_id']}", set())
        shas.update(a.get("sha256") for a in (item.get("assets") or {}).values() if a.get("sha256"))
    for ticker in [*(manifest.get("tickers") or []), *((manifest.get("fallback") or {}).get("tickers") or [])]:
        if ticker.get("id") is not None:
            items.setdefault(f"ticker:{ticker['id']}", set())
    return {k: sorted(v) for k, v in sorted(items.items())}, sorted(entries)


# ---------------------------------------------------------------- I/O


def note_served(screen_id: int, manifest: dict, now: datetime) -> None:
    """Record that this manifest was served to the screen (one row per distinct content; commits)."""
    items, entries = manifest_contents(manifest)
    contents = {"items": items, "entries": entries}
    digest = hashlib.sha256(json.dumps(contents, sort_keys=True).encode()).hexdigest()
    valid_until = datetime.fromisoformat(manifest["valid_until"]).astimezone(UTC)
    last = db.session.scalar(select(ManifestServed).where(ManifestServed.screen_id == screen_id)
                             .order_by(ManifestServed.served_at.desc(), ManifestServed.id.desc()).limit(1))
    if last is not None and last.digest == digest:
        last.valid_until = max(last.valid_until, valid_until)
    else:
        db.session.add(ManifestServed(screen_id=screen_id, digest=digest, served_at=now, valid_until=valid_until,
                                      items=contents))
    db.session.commit()


def prune_served(now: datetime) -> int:
    """Drop manifests no play can still be judged against (valid until before the oldest start accepted),
    keeping each screen's last one (an offline player plays on from it). Idempotent; commits."""
    horizon = now - timedelta(hours=current_app.config["PLAYER_PLAYS_MAX_AGE_H"]) - CLOCK_SKEW
    last = select(func.max(ManifestServed.id)).group_by(ManifestServed.screen_id)
    result = db.session.execute(delete(ManifestServed).where(
        ManifestServed.valid_until < horizon, ManifestServed.id.not_in(last))
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def _served(screen_id: int, earliest: datetime, latest: datetime) -> list[Served]:
    """The manifests that may cover plays started in [earliest, latest]: valid then, and the last one served
    before `earliest` (what an offline player plays on from)."""
    cols = (ManifestServed.served_at, ManifestServed.valid_until, ManifestServed.items)
    rows = list(db.session.execute(select(*cols).where(
        ManifestServed.screen_id == screen_id, ManifestServed.served_at <= latest + CLOCK_SKEW,
        ManifestServed.valid_until >= earliest - CLOCK_SKEW)))
    rows += db.session.execute(select(*cols).where(
        ManifestServed.screen_id == screen_id, ManifestServed.served_at <= earliest + CLOCK_SKEW)
        .order_by(ManifestServed.served_at.desc()).limit(1)).all()
    return [Served(r.served_at, r.valid_until, r.items.get("items", {}), frozenset(r.items.get("entries", [])))
            for r in rows]


def _insert_new(model, rows: list[dict]) -> int:
    if not rows:
        return 0
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model).values(rows).on_conflict_do_nothing(
        index_elements=["screen_id", "client_id"]).returning(model.id)
    return len(db.session.execute(stmt).all())  # rowcount is not reliable across drivers here


def record(screen_id: int, plays: list, now: datetime | None = None) -> dict[str, int]:
    """Judge and store a batch (at most MAX_BATCH; the view refuses more); InvalidPlay before anything is
    stored. Counts: accepted (new), duplicates (already stored), rejected (not believed, kept apart)."""
    now = now or utcnow()
    parsed, seen = [], set()
    for index, raw in enumerate(plays):
        row = parse(index, raw)
        if row["client_id"] not in seen:
            seen.add(row["client_id"])
            parsed.append(row)
    max_age = timedelta(hours=current_app.config["PLAYER_PLAYS_MAX_AGE_H"])
    starts = [p["started_at"] for p in parsed]
    served = _served(screen_id, min(starts), max(starts)) if starts else []
    accepted, rejected, blanks = [], [], []
    for play in parsed:
        reason = judge(play, served, now, max_age)
        base = {"screen_id": screen_id, "client_id": play["client_id"], "received_at": now}
        if reason is not None:
            record_json = dict(play, started_at=play["started_at"].isoformat())
            rejected.append(dict(base, reason=reason, record=record_json))
        elif play["item_type"] == BLANK:
            blanks.append(dict(base, started_at=play["started_at"], duration_s=play["duration_s"]))
        else:
            accepted.append(dict(base, **{k: play[k] for k in (
                "item_type", "item_id", "entry_id", "started_at", "duration_s", "name", "sha256")}))
    new = _insert_new(PlayRecord, accepted) + _insert_new(BlankPeriod, blanks)
    _insert_new(PlayRejected, rejected)
    db.session.commit()
    return {"accepted": new, "duplicates": len(accepted) + len(blanks) - new, "rejected": len(rejected)}

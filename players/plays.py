"""Proof of play: batches from players, idempotent on the client's id, kept after content is deleted."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql, sqlite

from players.models import PlayRecord
from signage.extensions import db
from signage.timeutil import utcnow

MAX_BATCH = 500
ITEM_TYPES = {"slide", "media", "ticker"}


def _parse_time(value) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _row(screen_id: int, raw: dict, now: datetime) -> dict | None:
    try:
        client_id = str(raw["id"]).strip()
        row = {
            "screen_id": screen_id, "client_id": client_id[:64], "item_type": str(raw["item_type"]),
            "item_id": int(raw["item_id"]),
            "entry_id": int(raw["entry_id"]) if raw.get("entry_id") is not None else None,
            "started_at": _parse_time(raw["started_at"]).astimezone(UTC),
            "duration_s": max(0.0, float(raw.get("duration_s") or 0)),
            "name": str(raw.get("name") or "")[:300], "sha256": str(raw.get("sha256") or "")[:64],
            "received_at": now,
        }
    except (KeyError, TypeError, ValueError):
        return None
    if not client_id or row["item_type"] not in ITEM_TYPES:
        return None
    return row


def record(screen_id: int, plays: list) -> dict[str, int]:
    """Insert new plays, skip ids already stored for this screen; counts accepted/duplicates/rejected."""
    now = utcnow()
    rows, rejected, seen = [], 0, set()
    for raw in plays[:MAX_BATCH]:
        row = _row(screen_id, raw, now) if isinstance(raw, dict) else None
        if row is None:
            rejected += 1
        elif row["client_id"] not in seen:
            seen.add(row["client_id"])
            rows.append(row)
    accepted = 0
    if rows:
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(PlayRecord).values(rows).on_conflict_do_nothing(
            index_elements=["screen_id", "client_id"]
        ).returning(PlayRecord.id)
        accepted = len(db.session.execute(stmt).all())  # rowcount is not reliable across drivers here
        db.session.commit()
    valid = len(plays[:MAX_BATCH]) - rejected
    return {"accepted": accepted, "duplicates": valid - accepted, "rejected": rejected}

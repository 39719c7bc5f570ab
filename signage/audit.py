"""The audit log: every flush that inserts, updates or deletes an `Audited` model writes who/what/when.

Hooked on the session, so every package's models get it without calling anything, and a change that is
rolled back leaves no audit row either.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from flask import g, has_request_context
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from signage.models import Audited, AuditLog, Region
from signage.timeutil import utcnow


def _jsonable(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    return value


def _columns(obj) -> list[str]:
    exclude = set(getattr(obj, "__audit_exclude__", ()))
    return [c.key for c in inspect(obj).mapper.column_attrs if c.key not in exclude]


def _snapshot(obj) -> dict:
    return {key: _jsonable(getattr(obj, key, None)) for key in _columns(obj)}


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for key in _columns(obj):
        hist = state.attrs[key].history
        if hist.has_changes():
            before[key] = _jsonable(hist.deleted[0]) if hist.deleted else None
            after[key] = _jsonable(hist.added[0]) if hist.added else None
    return before, after


def _actor() -> tuple[int | None, str]:
    if has_request_context():
        override = g.get("audit_actor")
        if override:
            return override
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.username
    return None, "system"


def _region_path(obj) -> str:
    if isinstance(obj, Region):
        return obj.path or ""
    region = getattr(obj, "region", None)
    return getattr(region, "path", "") or ""


def _entity_id(obj) -> str:
    state = inspect(obj)
    key = state.mapper.primary_key_from_instance(obj)
    return ",".join(str(v) for v in key if v is not None)


def _after_flush(session: Session, flush_context) -> None:
    rows = []
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append(("create", obj, None, _snapshot(obj)))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if before or after:
                rows.append(("update", obj, before, after))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows.append(("delete", obj, _snapshot(obj), None))
    if not rows:
        return
    user_id, username = _actor()
    now = utcnow()
    session.connection().execute(
        insert(AuditLog.__table__),
        [
            {
                "at": now,
                "user_id": user_id,
                "username": username,
                "action": action,
                "entity": type(obj).__name__,
                "entity_id": _entity_id(obj),
                "region_path": _region_path(obj),
                "before": before,
                "after": after,
            }
            for action, obj, before, after in rows
        ],
    )


def install() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)

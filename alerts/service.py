"""Emergency alerts' state, and the only functions that change it: raise, update (supersede), cancel.

Contract:
- An alert is on air from `started_at` until `cancelled_at`; cancelling is forward-only (a cancelled alert
  is never re-activated; a new alert is raised instead). An update puts a successor on air and cancels the
  alerts it replaces in ONE commit, so no poll ever sees the gap between them.
- Every change commits first, then bumps the global alert version (Redis `VERSION_KEY`), then announces
  itself through `signage.signals` (`alert_raised`, `alert_updated`, `alert_cancelled`) with plain data.
  Subscribers (the SMS package) never read our tables and we never import them.
- Who raises decides whether an alert also goes out by SMS (`send_sms`: the operator's tick box; CAP
  decides by severity). It is carried by the signal, not stored: storing it would need a new column.
- Which screens an alert reaches is scheduling's resolver (`scheduling.targeting.target_screen_ids`)
  applied to the alert's targets, so an alert reaches a region, a static or rule-based group or a screen
  exactly as a schedule entry with the same targets would. Resolution happens when players ask, once per
  alert version, and is kept in Redis under that version (`on_air`): a screen added to a region later is
  covered after the next bump (screens and group changes bump while an alert is on air).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from alerts.models import EmergencyAlert, Severity
from scheduling.models import TargetType
from scheduling.targeting import target_screen_ids
from signage.extensions import db
from signage.redis_client import get_redis
from signage.signals import alert_cancelled, alert_raised, alert_updated, screen_group_changed, screens_changed
from signage.timeutil import utcnow

#: The global alert version (the key predates this package; kept so players' ETags survive the move).
VERSION_KEY = "player:alerts:version"
#: "<version>\n<json>": the active alerts and the screens each reaches, resolved for that version.
ON_AIR_KEY = "player:alerts:on-air"
ON_AIR_TTL_S = 3600
#: CAP severities that also go out by SMS (an operator decides with the form's tick box).
SMS_SEVERITIES = frozenset({Severity.EXTREME.value, Severity.SEVERE.value})


class AlertError(ValueError):
    """The alert cannot be raised as asked. `code` is stable (for callers and tests); the message is
    translated for the person who asked."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------- pure rules (no database, no Redis)


def alert_targets(region_id: int, regions: Iterable[int], screens: Iterable[int],
                  groups: Iterable[int]) -> list[tuple[TargetType, int]]:
    """The alert's targets as scheduling's (type, id) pairs; no target at all means the owner region."""
    targets = [(TargetType.REGION, rid) for rid in regions]
    targets += [(TargetType.GROUP, gid) for gid in groups]
    targets += [(TargetType.SCREEN, sid) for sid in screens]
    return targets or [(TargetType.REGION, region_id)]


def sms_region_ids(region_id: int, target_region_ids: Iterable[int]) -> list[int]:
    """The regions whose contacts an alert's SMS reaches: its target regions, else its owner region
    (screens and groups are not places people registered in)."""
    return sorted(set(target_region_ids)) or [region_id]


def cleaned_messages(messages: dict[str, str]) -> dict[str, str]:
    return {lang: text.strip() for lang, text in messages.items() if text and text.strip()}


def for_screen(on_air_alerts: list[dict], screen_id: int) -> list[dict]:
    """The player's view of `on_air` for one screen: the alerts reaching it, oldest first."""
    return [entry["alert"] for entry in on_air_alerts if screen_id in entry["screens"]]


def should_sms_cap(severity: str) -> bool:
    return severity in SMS_SEVERITIES


# ---------------------------------------------------------------- version


def current_version() -> int:
    """The global alert version; seeded from the clock so a flushed Redis never repeats an old ETag."""
    redis = get_redis()
    value = redis.get(VERSION_KEY)
    if value is None:
        redis.set(VERSION_KEY, int(time.time() * 1000), nx=True)
        value = redis.get(VERSION_KEY)
    return int(value)


def bump_version() -> int:
    current_version()
    return int(get_redis().incr(VERSION_KEY))


# ---------------------------------------------------------------- reading


def active_alerts() -> list[EmergencyAlert]:
    query = select(EmergencyAlert).where(EmergencyAlert.cancelled_at.is_(None)).order_by(EmergencyAlert.started_at)
    return list(db.session.scalars(query))


def screen_ids(alert: EmergencyAlert) -> set[int]:
    """The active screens the alert reaches now (scheduling's resolver)."""
    return target_screen_ids(alert_targets(
        alert.region_id, alert.target_region_ids or [], alert.target_screen_ids or [], alert.target_group_ids or []
    ))


def alert_json(alert: EmergencyAlert) -> dict:
    return {
        "id": alert.id,
        "severity": alert.severity,
        "messages": {lang: text for lang, text in alert.messages.items() if text},
        "started_at": alert.started_at.isoformat(),
    }


def on_air(version: int) -> list[dict]:
    """Active alerts with the screens each reaches, as [{"alert": alert_json, "screens": [ids]}], resolved once
    per version (Redis) — every screen of a fleet asks after a bump, and resolving is a few queries per alert."""
    redis = get_redis()
    cached = redis.get(ON_AIR_KEY)
    if cached is not None:
        stored_version, _sep, body = cached.partition(b"\n")
        if stored_version == str(version).encode():
            return json.loads(body)
    resolved = [{"alert": alert_json(a), "screens": sorted(screen_ids(a))} for a in active_alerts()]
    # Written even when a bump raced us: the stored version is the one we were asked for, so a newer
    # version never reads it.
    redis.set(ON_AIR_KEY, str(version).encode() + b"\n" + json.dumps(resolved).encode(), ex=ON_AIR_TTL_S)
    return resolved


def screen_alerts(screen_id: int, version: int) -> list[dict]:
    """What the player of `screen_id` shows at alert version `version` (JSON-ready dicts)."""
    return for_screen(on_air(version), screen_id)


# ---------------------------------------------------------------- changes


def _new_alert(*, region_id: int, messages: dict[str, str], severity: str = Severity.SEVERE.value,
               target_region_ids: list[int] | None = None, target_screen_ids: list[int] | None = None,
               target_group_ids: list[int] | None = None, created_by_id: int | None = None,
               source: str = "operator", cap_reference: str | None = None) -> EmergencyAlert:
    messages = cleaned_messages(messages)
    if not messages.get("vi"):
        raise AlertError("vi_required", _("The Vietnamese message is required."))
    if severity not in {s.value for s in Severity}:
        raise AlertError("unknown_severity", _("Unknown severity."))
    return EmergencyAlert(
        region_id=region_id, messages=messages, severity=severity,
        target_region_ids=sorted(set(target_region_ids or [])),
        target_screen_ids=sorted(set(target_screen_ids or [])),
        target_group_ids=sorted(set(target_group_ids or [])),
        created_by_id=created_by_id, started_at=utcnow(), source=source, cap_reference=cap_reference,
    )


def _on_air_kwargs(alert: EmergencyAlert, send_sms: bool) -> dict:
    """The plain data `alert_raised` / `alert_updated` carry (see signage/signals.py)."""
    return {
        "alert_id": alert.id, "region_ids": sms_region_ids(alert.region_id, alert.target_region_ids or []),
        "messages": dict(alert.messages), "severity": alert.severity, "send_sms": bool(send_sms),
        "user_id": alert.created_by_id,
    }


def raise_alert(*, send_sms: bool = False, **fields) -> EmergencyAlert:
    """Create, commit and announce an alert (the audit log records who raised it). Raises AlertError.

    Fields: region_id (owner), messages (language → text; "vi" required), severity (default severe),
    target_region_ids / target_screen_ids / target_group_ids (all empty = the owner region), created_by_id,
    source ("operator" | "cap"), cap_reference. `send_sms` asks the SMS package to text the alert's regions."""
    alert = _new_alert(**fields)
    db.session.add(alert)
    db.session.commit()
    bump_version()
    alert_raised.send(current_app._get_current_object(), **_on_air_kwargs(alert, send_sms))
    return alert


def update_alert(replaces: list[EmergencyAlert], *, send_sms: bool = False, **fields) -> EmergencyAlert:
    """Put a successor on air in place of `replaces` (fields as for `raise_alert`).

    The successor and the cancellations are one commit. Announced as `alert_updated` with `replaces` (the
    ids of every replaced alert, on air or not), or as `alert_raised` when `replaces` is empty."""
    if not replaces:
        return raise_alert(send_sms=send_sms, **fields)
    alert = _new_alert(**fields)
    for old in replaces:
        if old.cancelled_at is None:
            old.cancelled_at = alert.started_at
            old.cancelled_by_id = alert.created_by_id
    db.session.add(alert)
    db.session.commit()
    bump_version()
    alert_updated.send(current_app._get_current_object(), replaces=sorted(a.id for a in replaces),
                       **_on_air_kwargs(alert, send_sms))
    return alert


def cancel_alert(alert: EmergencyAlert, cancelled_by_id: int | None = None) -> bool:
    """Take the alert off air; False (and nothing announced) when it was already cancelled."""
    if alert.cancelled_at is not None:
        return False
    alert.cancelled_at = utcnow()
    alert.cancelled_by_id = cancelled_by_id
    db.session.commit()
    bump_version()
    alert_cancelled.send(current_app._get_current_object(), alert_id=alert.id, user_id=cancelled_by_id)
    return True


def _on_screens_changed(sender, **kwargs) -> None:
    """Screen or group changes can change whom an active alert covers."""
    if db.session.scalar(select(EmergencyAlert.id).where(EmergencyAlert.cancelled_at.is_(None)).limit(1)):
        bump_version()


def connect_signals(app: Flask) -> None:
    screens_changed.connect(_on_screens_changed, app, weak=False)
    screen_group_changed.connect(_on_screens_changed, app, weak=False)

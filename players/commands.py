"""Remote commands and blank hours: the control payload a player gets on the alert fast path (seconds, not
the manifest poll).

Commands (`Command`, audited): reload, clear_cache (drop the cached assets and download them again),
identify (the screen's name and number full screen for IDENTIFY_S seconds), capture (a capture of the glass
now: players.captures). An operator sends one to a screen of their region (players.health_views); the
player runs it once and acknowledges it (`POST /api/player/v1/commands/ack`, or — for a capture — by
uploading the capture with the command's id). Status moves forward only, by compare-and-set: pending →
acknowledged, or pending → expired after COMMAND_TTL_S without an answer (`expire`, from the clean-up job).

Blank hours (`BlankHours`, audited): daily local hours a board stays dark, set on a screen or on a region
(covering its subtree). The player blanks its glass itself, on its own clock, so the dark hours hold when
the controller cannot be reached; an emergency alert still shows above the dark glass.

The control payload of a screen is published in Redis under `control_key(screen_id)` as
`<version>|<JSON>` — the JSON being `{"commands": [{"id", "kind", "expires_ms"}], "blank": [{"starts":
"22:00", "ends": "05:00"}], "capture_every_min": n}` — and republished (`publish`) after every change that
concerns the screen, and announced (`alert_answers_published`: players.push pushes it to the player at
once where push is set up). The version (a time in ns: never reused, also after Redis lost everything) is
part of the alert poll's ETag (players.alerts), so the change reaches the player with its next ~2 s poll from
one MGET, like an alert.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from players.models import BlankHours, Command
from signage.extensions import db
from signage.models import AuditLog, Region, Screen
from signage.redis_client import get_redis
from signage.signals import alert_answers_published
from signage.timeutil import utcnow

KINDS = ("reload", "clear_cache", "identify", "capture")
COMMAND_TTL_S = 600
IDENTIFY_S = 30
PENDING, ACKNOWLEDGED, EXPIRED = "pending", "acknowledged", "expired"


def control_key(screen_id: int) -> str:
    return f"player:ctl:{screen_id}"


def split(raw: bytes | None) -> tuple[str, bytes] | None:
    """(version, JSON) of a published control payload, None when there is none."""
    if raw is None:
        return None
    version, _sep, body = raw.partition(b"|")
    return version.decode(), body


# ---------------------------------------------------------------- the payload


def _ancestors(path: str | None, region_id: int) -> list[int]:
    """The ids on a region's path ("/1/4/9/" holds the region itself)."""
    return [int(part) for part in (path or f"/{region_id}/").strip("/").split("/") if part]


def blank_rules(screen: Screen) -> list[BlankHours]:
    """The blank hours that apply to a screen: its own and those of its region and the regions above."""
    region = db.session.get(Region, screen.region_id)
    return list(db.session.scalars(select(BlankHours).where(or_(
        BlankHours.screen_id == screen.id,
        BlankHours.region_id.in_(_ancestors(region.path if region else None, screen.region_id))))
        .order_by(BlankHours.starts, BlankHours.id)))


def region_rules(region: Region) -> list[BlankHours]:
    """The blank hours that apply to every screen of a region: set on it or on a region above it."""
    return list(db.session.scalars(select(BlankHours).where(
        BlankHours.region_id.in_(_ancestors(region.path, region.id))).order_by(BlankHours.starts, BlankHours.id)))


def rules_below(region: Region) -> list[BlankHours]:
    """The blank hours set on a region below this one, or on one of the screens of its subtree."""
    below = select(Region.id).where(Region.path.startswith(region.path), Region.id != region.id)
    screens = select(Screen.id).join(Region, Region.id == Screen.region_id).where(
        Region.path.startswith(region.path), Screen.retired_at.is_(None))
    return list(db.session.scalars(select(BlankHours).where(or_(
        BlankHours.region_id.in_(below), BlankHours.screen_id.in_(screens)))
        .order_by(BlankHours.starts, BlankHours.id)))


def payloads(screen_ids: list[int], now_ms: int) -> dict[int, dict]:
    """The control payload of each screen, in a handful of queries whatever the number of screens."""
    since = utcnow() - timedelta(seconds=COMMAND_TTL_S)
    screens = db.session.execute(select(Screen.id, Region.path, Screen.region_id)
                                 .join(Region, Region.id == Screen.region_id).where(Screen.id.in_(screen_ids))).all()
    pending: dict[int, list[dict]] = {}
    for c in db.session.scalars(select(Command).where(
            Command.screen_id.in_(screen_ids), Command.status == PENDING, Command.created_at >= since)
            .order_by(Command.id)):
        pending.setdefault(c.screen_id, []).append(
            {"id": c.id, "kind": c.kind, "expires_ms": int(c.created_at.timestamp() * 1000) + COMMAND_TTL_S * 1000})
    rules = db.session.scalars(select(BlankHours).order_by(BlankHours.starts, BlankHours.id)).all()
    every_min = current_app.config["PLAYER_CAPTURE_INTERVAL_MIN"]
    out = {}
    for screen_id, path, region_id in screens:
        above = set(_ancestors(path, region_id))
        out[screen_id] = {
            "commands": pending.get(screen_id, []),
            "blank": [{"starts": r.starts.strftime("%H:%M"), "ends": r.ends.strftime("%H:%M")} for r in rules
                      if r.screen_id == screen_id or r.region_id in above],
            "capture_every_min": every_min, "identify_s": IDENTIFY_S, "server_time_ms": now_ms,
        }
    return out


def publish(screen_ids, *, announce: bool = True) -> None:
    """Write the control payload of these screens to Redis under a new version (after a commit), then announce
    them (`alert_answers_published`: players.push pushes the new poll answers) unless `announce` is False."""
    ids = sorted(set(screen_ids))
    if not ids:
        return
    now_ms = int(utcnow().timestamp() * 1000)
    pipe = get_redis().pipeline(transaction=False)
    for start in range(0, len(ids), 500):
        for screen_id, body in payloads(ids[start:start + 500], now_ms).items():
            version = str(time.time_ns())
            pipe.set(control_key(screen_id), version.encode() + b"|" + json.dumps(body).encode())
    pipe.execute()
    if announce:
        alert_answers_published.send(current_app._get_current_object(), screen_ids=ids)


def published(screen_id: int) -> tuple[str, bytes]:
    """(version, JSON) of the screen's control payload, published first when Redis does not have it."""
    found = split(get_redis().get(control_key(screen_id)))
    if found is None:
        publish([screen_id], announce=False)  # the player asking gets it in its answer
        found = split(get_redis().get(control_key(screen_id))) or ("0", b"{}")
    return found


# ---------------------------------------------------------------- operator side


def send(screen: Screen, kind: str, user_id: int | None) -> Command:
    """Queue a command for the screen's player (audited) and publish it. Commits."""
    if kind not in KINDS:
        raise ValueError(kind)
    command = Command(screen=screen, kind=kind, status=PENDING, created_by_id=user_id)  # screen: the audit's region
    db.session.add(command)
    db.session.commit()
    publish([screen.id])
    return command


def screens_under(region: Region) -> list[int]:
    return list(db.session.scalars(select(Screen.id).join(Region, Region.id == Screen.region_id)
                                   .where(Region.path.startswith(region.path), Screen.retired_at.is_(None))))


def set_blank_hours(*, screen: Screen | None = None, region: Region | None = None, starts, ends,
                    user_id: int | None) -> BlankHours:
    """Add blank hours to a screen or a region (audited) and publish them to the screens concerned."""
    rule = BlankHours(screen=screen, target_region=region, starts=starts, ends=ends, created_by_id=user_id)
    db.session.add(rule)
    db.session.commit()
    publish([screen.id] if screen else screens_under(region))
    return rule


def delete_blank_hours(rule: BlankHours) -> None:
    screen_ids = [rule.screen_id] if rule.screen_id else screens_under(db.session.get(Region, rule.region_id))
    db.session.delete(rule)
    db.session.commit()
    publish(screen_ids)


# ---------------------------------------------------------------- player side


def acknowledge(screen_id: int, command_ids: list[int]) -> int:
    """pending → acknowledged for these commands of this screen (a command of another screen is ignored);
    how many moved. Commits, then republishes the screen's payload without them."""
    rows = db.session.scalars(select(Command).where(
        Command.id.in_(command_ids), Command.screen_id == screen_id, Command.status == PENDING)).all()
    now = utcnow()
    for row in rows:
        row.status, row.acked_at = ACKNOWLEDGED, now
    db.session.commit()
    if rows:
        publish([screen_id])
    return len(rows)


def expire(now) -> int:
    """pending → expired for commands older than COMMAND_TTL_S, each a compare-and-set (a player's acknowledgement
    that lands first wins) written to the audit log as the system's; idempotent. Returns how many expired."""
    due = db.session.execute(
        select(Command.id, Region.path).join(Screen, Screen.id == Command.screen_id)
        .join(Region, Region.id == Screen.region_id)
        .where(Command.status == PENDING, Command.created_at < now - timedelta(seconds=COMMAND_TTL_S))).all()
    expired = 0
    for command_id, region_path in due:
        moved = db.session.execute(update(Command).where(Command.id == command_id, Command.status == PENDING)
                                   .values(status=EXPIRED).execution_options(synchronize_session=False)).rowcount
        if moved:  # the Core UPDATE bypasses the session's audit hook: the row says it here
            db.session.add(AuditLog(at=now, action="update", entity="Command", entity_id=str(command_id),
                                    region_path=region_path, before={"status": PENDING}, after={"status": EXPIRED}))
            expired += 1
    db.session.commit()
    return expired

"""Captures: what a player composited from its own layers (the image or video frame on its glass, the
ticker text at its position, the alert, the identify and blank overlays, its rotation) as a small JPEG —
what the glass shows, not the server's render of what the player says it plays.

A player uploads one every PLAYER_CAPTURE_INTERVAL_MIN minutes ("scheduled") and when an operator asks
("request": a `capture` command from players.commands, acknowledged by the upload that names it), as
`POST /api/player/v1/captures` with `{"jpeg": "<base64>", "taken_at_ms", "reason", "command_id", "shows"}`.
The upload is checked (at most MAX_BYTES, a JPEG that decodes, at most MAX_SIDE pixels a side; `shows`
at most 4 KB of JSON) and kept PLAYER_CAPTURE_RETENTION_H hours (`cleanup`, a periodic job that also
expires unanswered commands). A second scheduled capture of a screen within the same minute is answered 429
(a player that loops cannot fill the database).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from PIL import Image, UnidentifiedImageError
from sqlalchemy import delete, select

from players import commands, plays
from players.models import Capture
from signage.extensions import db
from signage.periodic import Periodic, every, plan_on_worker_start
from signage.redis_client import get_redis
from signage.timeutil import utcnow

MAX_BYTES = 300 * 1024
MAX_SIDE = 4096
MAX_SHOWS = 4096
MIN_GAP_S = 60
REASONS = ("scheduled", "request")

CLEANUP = Periodic("players-capture-cleanup", "players.captures.cleanup_job", every(600), queue="low",
                   slot="%Y%m%d%H%M", description="players: drop old captures and manifests, expire commands")


class CaptureRefused(ValueError):
    """An upload that is not a capture; `field` names what is wrong, `status` the HTTP answer."""

    def __init__(self, field: str, status: int = 400):
        super().__init__(field)
        self.field, self.status = field, status


def _gap_key(screen_id: int, slot: int) -> str:
    return f"player:capgap:{screen_id}:{slot}"


def parse(body: dict, now: datetime) -> dict:
    """The checked fields of an upload (CaptureRefused naming the field otherwise)."""
    reason = body.get("reason", "scheduled")
    if reason not in REASONS:
        raise CaptureRefused("reason")
    encoded = body.get("jpeg")
    if not isinstance(encoded, str) or len(encoded) > MAX_BYTES * 4 // 3 + 8:
        raise CaptureRefused("jpeg", 413 if isinstance(encoded, str) else 400)
    try:
        data = base64.b64decode(encoded, validate=True)
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG":
                raise CaptureRefused("jpeg")
            width, height = image.size
            image.verify()
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError) as exc:
        if isinstance(exc, CaptureRefused):
            raise
        raise CaptureRefused("jpeg") from exc
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise CaptureRefused("jpeg")
    shows = body.get("shows") or {}
    if not isinstance(shows, dict) or len(json.dumps(shows)) > MAX_SHOWS:
        raise CaptureRefused("shows")
    taken_ms = body.get("taken_at_ms")
    if isinstance(taken_ms, bool) or not isinstance(taken_ms, int | float) or not 0 < taken_ms < 10**14:
        raise CaptureRefused("taken_at_ms")
    # the player's clock is corrected by its offset already; a capture is never later than its arrival
    taken_at = min(datetime.fromtimestamp(taken_ms / 1000, UTC), now)
    command_id = body.get("command_id")
    if command_id is not None and (isinstance(command_id, bool) or not isinstance(command_id, int)):
        raise CaptureRefused("command_id")
    return {"reason": reason, "jpeg": data, "width": width, "height": height, "shows": shows,
            "taken_at": max(taken_at, now - timedelta(hours=1)), "command_id": command_id}


def store(screen_id: int, body: dict, now: datetime | None = None) -> Capture:
    """Keep a capture of the screen; a requested one acknowledges its command. Commits."""
    now = now or utcnow()
    fields = parse(body, now)
    slot = int(now.timestamp()) // MIN_GAP_S  # one scheduled capture per screen per minute (on the server clock)
    if fields["reason"] == "scheduled" and not get_redis().set(_gap_key(screen_id, slot), 1, nx=True,
                                                               ex=2 * MIN_GAP_S):
        raise CaptureRefused("too soon", 429)
    capture = Capture(screen_id=screen_id, taken_at=fields["taken_at"], received_at=now, reason=fields["reason"],
                      width=fields["width"], height=fields["height"], size_bytes=len(fields["jpeg"]),
                      shows=fields["shows"], jpeg=fields["jpeg"])
    db.session.add(capture)
    db.session.commit()
    if fields["command_id"] is not None:
        commands.acknowledge(screen_id, [fields["command_id"]])
    return capture


def recent(screen_id: int, now: datetime, hours: float | None = None) -> list[Capture]:
    """The screen's captures of the last `hours` (the retention by default), newest first (no image bytes)."""
    hours = hours if hours is not None else current_app.config["PLAYER_CAPTURE_RETENTION_H"]
    return list(db.session.scalars(select(Capture).where(
        Capture.screen_id == screen_id, Capture.taken_at >= now - timedelta(hours=hours))
        .order_by(Capture.taken_at.desc(), Capture.id.desc())))


def latest_ids(screen_ids: list[int]) -> dict[int, int]:
    """The newest capture id per screen (for the fleet's thumbnails)."""
    if not screen_ids:
        return {}
    rows = db.session.execute(select(Capture.screen_id, db.func.max(Capture.id))
                              .where(Capture.screen_id.in_(screen_ids)).group_by(Capture.screen_id))
    return dict(rows.all())


def cleanup(now: datetime) -> dict[str, int]:
    """Drop captures past the retention, expire unanswered commands and drop manifests served too long ago
    to judge any play (players.plays.prune_served). Idempotent."""
    cutoff = now - timedelta(hours=current_app.config["PLAYER_CAPTURE_RETENTION_H"])
    dropped = db.session.execute(delete(Capture).where(Capture.received_at < cutoff)
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return {"captures": dropped, "commands": commands.expire(now), "manifests": plays.prune_served(now)}


def cleanup_job() -> dict[str, int]:
    return CLEANUP.run(lambda: cleanup(utcnow()))


def init_app(app: Flask) -> None:
    plan_on_worker_start(app, CLEANUP)

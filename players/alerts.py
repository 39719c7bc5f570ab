"""The emergency-alert poll the player calls: `GET /api/player/v1/alerts` (what covers the schedule now).

Players poll every PLAYER_ALERT_POLL_S seconds (default 2). The ETag is `a<screen id>-<alert version>`: the
screen from the token, the version `alerts.service` bumps on every change that may alter what any screen
shows. An unchanged poll is answered 304 by `players.fastpath.NotModified` (one Redis MGET) before it gets
here; this view answers the rest — the same 304 when the middleware could not, 401 for a missing, unknown
or revoked token, else `{"alerts": [...], "version": "<version>", "poll_s": <seconds>}` with the alerts
from `alerts.service.screen_alerts`.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, current_app, request
from redis import Redis

from alerts.service import VERSION_KEY, current_version, screen_alerts
from players.auth import UNPAIRED, bearer_token, cached_screen_id, screen_id_from_db, token_hash, token_key
from signage.redis_client import get_redis

ALERTS_PATH = "/api/player/v1/alerts"

bp = Blueprint("player_alerts", __name__)


def etag(screen_id: int, version: int | str) -> str:
    return f"a{screen_id}-{version}"


def parse_etag(value: str | None) -> tuple[int, str] | None:
    """(screen id, version) from an If-None-Match holding one of our alert ETags, else None."""
    tag = (value or "").strip().strip('"')
    screen, _sep, version = tag[1:].partition("-")
    if tag[:1] != "a" or not screen.isdigit() or not version.isdigit():
        return None
    return int(screen), version


def not_modified_tag(redis: Redis, token: str | None, if_none_match: str | None) -> str | None:
    """The ETag to answer 304 with when the player's `If-None-Match` is current for its own screen, else None.
    One MGET: the token's screen and the alert version."""
    tagged = parse_etag(if_none_match)
    if token is None or tagged is None:
        return None
    screen_id, version = tagged
    raw_screen, raw_version = redis.mget(token_key(token_hash(token)), VERSION_KEY)
    if cached_screen_id(raw_screen) != screen_id or raw_version != version.encode():
        return None
    return etag(screen_id, version)


@bp.get(ALERTS_PATH)
def poll():
    token = bearer_token()
    if token is None:
        return UNPAIRED, 401
    digest = token_hash(token)
    raw_screen, raw_version = get_redis().mget(token_key(digest), VERSION_KEY)  # one round trip when unchanged
    screen_id = cached_screen_id(raw_screen)
    if screen_id is None:
        screen_id = screen_id_from_db(digest)
    if not screen_id:
        return UNPAIRED, 401
    version = int(raw_version) if raw_version is not None else current_version()
    tag = etag(screen_id, version)
    headers = {"Cache-Control": "no-cache", "ETag": f'"{tag}"'}
    if request.if_none_match.contains(tag):
        return Response(status=304, headers=headers)
    body = {"alerts": screen_alerts(screen_id, version), "version": str(version),
            "poll_s": float(current_app.config["PLAYER_ALERT_POLL_S"])}
    return Response(json.dumps(body), mimetype="application/json", headers=headers)


def init_app(app: Flask) -> None:
    """The poll's blueprint (PLAYER_ALERT_POLL_S is declared in players/settings.py); its 304 fast path is
    installed with the manifest's (`players.fastpath.install`)."""
    app.register_blueprint(bp)

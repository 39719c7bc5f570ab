"""The fast path: what every player calls every few seconds, answered before Flask's request handling.

A fleet polls the manifest every 30 s and the alerts every ~2 s, and almost every poll is "nothing changed".
One WSGI middleware (`FastPath`) answers those with one Redis MGET — the token's screen and the version the
ETag names (the screen's manifest version, or its alert version) — and no database, session, CSRF or
rate-limit work. A changed alert poll is answered there too, with the answer `alerts.service` published for
the screen (in the same MGET: `players.alerts.fast_answer`), and so is the acknowledgement each player sends
once the alert is on its glass (`players.alerts.fast_ack`): the herd after a province-wide alert costs about
what its 304s cost. A quiet heartbeat (nothing for the database: `players.heartbeat.fast_record`) is stored
and answered there too. Anything else — no or stale ETag, unknown token, Redis trouble — falls through to the
Flask views (`players.api.manifest`, `players.alerts.poll`, `players.alerts.ack`), which answer the same way
or build the answer.
"""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

from players import alerts
from players import heartbeat as heartbeats
from players.auth import cached_screen_id, token_hash, token_key
from players.version import player_version
from scheduling import versions
from signage.redis_client import app_redis
from signage.timeutil import utcnow

MANIFEST_PATH = "/api/player/v1/manifest"
HEARTBEAT_PATH = "/api/player/v1/heartbeat"
MAX_BEAT_BYTES = 64 * 1024


def not_modified_tag(redis: Redis, token: str | None, if_none_match: str | None) -> str | None:
    """The current ETag when the player's `If-None-Match` is still current for its own screen, else None."""
    tagged = versions.parse_etag(if_none_match)
    if token is None or tagged is None:
        return None
    screen_id, tag = tagged
    raw_token, raw_version = redis.mget(token_key(token_hash(token)), versions.version_key(screen_id))
    if cached_screen_id(raw_token) != screen_id or raw_version is None:
        return None
    current = versions.etag(screen_id, raw_version.decode(), utcnow().timestamp(), player_version())
    return tag if current == tag else None


def token_from_environ(environ: dict) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
    elif "token=" in environ.get("QUERY_STRING", ""):
        token = (parse_qs(environ["QUERY_STRING"]).get("token") or [""])[0].strip()
    else:
        return None
    return token if 20 <= len(token) <= 200 else None


def manifest_answer(app: Flask, redis: Redis, token: str | None, environ: dict):
    if not environ.get("HTTP_IF_NONE_MATCH"):
        return None
    tag = not_modified_tag(redis, token, environ["HTTP_IF_NONE_MATCH"])
    return None if tag is None else ("304 NOT MODIFIED", [("ETag", f'"{tag}"'), ("Cache-Control", "no-cache")], b"")


def alerts_answer(app: Flask, redis: Redis, token: str | None, environ: dict):
    inm = environ.get("HTTP_IF_NONE_MATCH")
    return alerts.fast_answer(app, redis, token, inm) if inm else None


def heartbeat_answer(app: Flask, redis: Redis, token: str | None, environ: dict):
    """A quiet heartbeat (players.heartbeat.fast_record) stored in Redis and answered 200 from one MGET and one
    SET; None (Flask answers, with the body put back) for anything else: an unknown token, a body that is not
    a valid beat (Flask answers 400 naming the field), a beat with database work to do."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if token is None or not 0 < length <= MAX_BEAT_BYTES:
        return None
    data = environ["wsgi.input"].read(length)
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(data), str(len(data))
    try:
        body = json.loads(data)
    except ValueError:
        return None
    now_ms = int(utcnow().timestamp() * 1000)
    digest = token_hash(token)
    raw_token = redis.get(token_key(digest))
    screen_id = cached_screen_id(raw_token)
    if not screen_id or not isinstance(body, dict):
        return None
    try:
        beat = heartbeats.normalise(body, now_ms, environ.get("REMOTE_ADDR") or "")
    except heartbeats.InvalidField:
        return None
    state = redis.mget(heartbeats.state_keys(screen_id))
    if not heartbeats.fast_record(redis, screen_id, beat, state, now_ms, app.config["PLAYER_HEARTBEAT_DB_INTERVAL_S"]):
        return None
    payload = b'{"ok":true,"server_time_ms":%d}' % now_ms
    return "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))], payload


class FastPath:
    """WSGI middleware: answers the requests in ROUTES when it can, else hands them to Flask."""

    #: (method, path) → answer(app, redis, token, environ) → (status, headers, body), or None (Flask answers).
    ROUTES = {
        ("GET", MANIFEST_PATH): manifest_answer,
        ("GET", alerts.ALERTS_PATH): alerts_answer,
        ("POST", alerts.ACK_PATH): alerts.fast_ack,
        ("POST", HEARTBEAT_PATH): heartbeat_answer,
    }

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        answer = self.ROUTES.get((environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")))
        if answer is not None:
            try:
                found = answer(self.app, app_redis(self.app), token_from_environ(environ), environ)
            except RedisError:
                found = None  # Flask answers (503 JSON) with the app's error handling
            if found is not None:
                status, headers, body = found
                start_response(status, headers)
                return [body] if body else []
        return self.wsgi_app(environ, start_response)


def install(app: Flask) -> None:
    app.wsgi_app = FastPath(app.wsgi_app, app)

"""The 304 fast path: an unchanged manifest or alert poll is answered before Flask's request handling.

A fleet polls the manifest every 30 s and the alerts every ~2 s, and almost every poll is "nothing changed".
One WSGI middleware (`NotModified`) answers those with one Redis MGET — the token's screen and the version
the ETag names (the screen's manifest version, or the global alert version) — and no database, session,
CSRF or rate-limit work. Anything else — no or stale ETag, unknown token, Redis trouble — falls through to
the Flask view (`players.api.manifest`, `players.alerts.poll`), which gives the same 304 or builds the body.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

from players import alerts
from players.auth import cached_screen_id, token_hash, token_key
from players.version import player_version
from scheduling import versions
from signage.redis_client import redis_from_url
from signage.timeutil import utcnow

MANIFEST_PATH = "/api/player/v1/manifest"


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


class NotModified:
    """WSGI middleware: 304 for a GET of a poll path in CHECKS whose If-None-Match is still current."""

    #: path → check(redis, token, if_none_match) → the ETag to answer 304 with, or None (Flask answers).
    CHECKS = {MANIFEST_PATH: not_modified_tag, alerts.ALERTS_PATH: alerts.not_modified_tag}

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app

    def _redis(self) -> Redis:
        ext = self.app.extensions
        if "redis" not in ext:  # the same client get_redis() hands out
            ext["redis"] = redis_from_url(self.app.config["REDIS_URL"])
        return ext["redis"]

    def __call__(self, environ, start_response):
        check = self.CHECKS.get(environ.get("PATH_INFO"))
        if check is not None and environ.get("REQUEST_METHOD") == "GET" and environ.get("HTTP_IF_NONE_MATCH"):
            try:
                tag = check(self._redis(), token_from_environ(environ), environ["HTTP_IF_NONE_MATCH"])
            except RedisError:
                tag = None  # Flask answers (503 JSON) with the app's error handling
            if tag is not None:
                start_response("304 NOT MODIFIED", [("ETag", f'"{tag}"'), ("Cache-Control", "no-cache")])
                return []
        return self.wsgi_app(environ, start_response)


def install(app: Flask) -> None:
    app.wsgi_app = NotModified(app.wsgi_app, app)

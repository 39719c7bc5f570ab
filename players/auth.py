"""Player authentication: a per-screen bearer token, checked against Redis (the database only on a miss).

Redis key `player:tok:<sha256(token)>` holds the screen id, or "0" for a token known to be unknown or
revoked. Revoking writes "0" there, so a revoked player is refused on its very next request.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from flask import current_app, g, request
from sqlalchemy import select

from players import commands
from players.models import PlayerToken
from signage.extensions import db
from signage.models import Screen
from signage.redis_client import get_redis
from signage.timeutil import utcnow

TOKEN_CACHE_TTL_S = 24 * 3600
UNKNOWN_TOKEN_TTL_S = 60
UNPAIRED = {"error": "unpaired"}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_key(digest: str) -> str:
    return f"player:tok:{digest}"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
    else:
        token = request.args.get("token", "").strip()
    return token if 20 <= len(token) <= 200 else None


def cached_screen_id(value: bytes | str | None) -> int | None:
    """Decode a token cache value: None = cache miss, 0 = known unpaired/revoked, else the screen id."""
    if value is None:
        return None
    return int(value)


def screen_id_from_db(digest: str) -> int:
    """Look the token up in the database and refresh the cache; 0 when unknown, revoked or retired."""
    row = db.session.execute(
        select(PlayerToken.screen_id, PlayerToken.revoked_at, Screen.retired_at)
        .join(Screen, Screen.id == PlayerToken.screen_id)
        .where(PlayerToken.token_hash == digest)
    ).first()
    screen_id = row.screen_id if row and row.revoked_at is None and row.retired_at is None else 0
    ttl = TOKEN_CACHE_TTL_S if screen_id else UNKNOWN_TOKEN_TTL_S
    get_redis().set(token_key(digest), screen_id, ex=ttl)
    return screen_id


_UNREAD = object()


def screen_id_for_token(token: str | None, cached=_UNREAD) -> int | None:
    """The one token lookup: the screen id of a player token, or None when missing, unknown, revoked or
    retired. Redis first, the database on a miss (which refills the cache). `cached` is the token's cache
    value when the caller already fetched it (in one MGET with a version key); otherwise it is read here."""
    if token is None:
        return None
    digest = token_hash(token)
    screen_id = cached_screen_id(get_redis().get(token_key(digest)) if cached is _UNREAD else cached)
    if screen_id is None:
        screen_id = screen_id_from_db(digest)
    return screen_id or None


def authenticate_player() -> int | None:
    """The screen id of the request's token, or None when missing, unknown, revoked or retired."""
    return screen_id_for_token(bearer_token())


def player_required(view):
    """401 {"error": "unpaired"} unless the request carries a valid token; sets `g.screen_id`."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        screen_id = authenticate_player()
        if screen_id is None:
            return UNPAIRED, 401
        g.screen_id = screen_id
        return view(*args, **kwargs)

    return wrapper


def issue_token(screen_id: int, user_id: int | None) -> str:
    """A new token for the screen; every earlier token of the screen is revoked (one player per screen).

    Flushes; the caller commits, then calls `publish_tokens(screen_id)`.
    """
    revoke_tokens(screen_id, user_id)
    token = secrets.token_urlsafe(32)
    db.session.add(PlayerToken(screen_id=screen_id, token_hash=token_hash(token), created_by_id=user_id))
    db.session.flush()
    return token


def revoke_tokens(screen_id: int, user_id: int | None) -> int:
    """Mark the screen's live tokens revoked (flush only; call `publish_tokens` after the commit)."""
    tokens = db.session.scalars(
        select(PlayerToken).where(PlayerToken.screen_id == screen_id, PlayerToken.revoked_at.is_(None))
    ).all()
    for t in tokens:
        t.revoked_at = utcnow()
        t.revoked_by_id = user_id
    db.session.flush()
    return len(tokens)


def publish_tokens(screen_ids: list[int]) -> None:
    """Rewrite the token cache of these screens from the database (after a commit: pair, revoke, retire)."""
    if not screen_ids:
        return
    rows = db.session.execute(
        select(PlayerToken.token_hash, PlayerToken.screen_id, PlayerToken.revoked_at, Screen.retired_at)
        .join(Screen, Screen.id == PlayerToken.screen_id)
        .where(PlayerToken.screen_id.in_(screen_ids))
    ).all()
    pipe = get_redis().pipeline(transaction=False)
    for row in rows:
        live = row.revoked_at is None and row.retired_at is None
        pipe.set(token_key(row.token_hash), row.screen_id if live else 0, ex=TOKEN_CACHE_TTL_S)
    pipe.execute()
    # the remote-control payload is in Redis before the player's first alert poll (which then costs no SQL)
    commands.publish({row.screen_id for row in rows if row.revoked_at is None and row.retired_at is None})
    current_app.logger.info("player tokens republished for screens %s", screen_ids)


def has_live_token(screen_id: int) -> bool:
    return db.session.scalar(
        select(PlayerToken.id).where(PlayerToken.screen_id == screen_id, PlayerToken.revoked_at.is_(None)).limit(1)
    ) is not None

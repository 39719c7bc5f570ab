"""Pairing: a new player shows a short code, an operator claims it for a screen, the player gets a token."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from players.auth import issue_token
from players.models import PairingRequest
from signage.extensions import db
from signage.models import Screen
from signage.timeutil import utcnow

#: No 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G: readable from across a street and easy to type.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 6


class PairingError(ValueError):
    """The code is unknown, expired or already used (message is shown to the operator)."""


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _ttl() -> timedelta:
    return timedelta(seconds=current_app.config["PLAYER_PAIRING_TTL_S"])


def start_pairing(device: dict, remote_addr: str = "") -> PairingRequest:
    """Create a pending pairing with a code no other pending pairing uses (commits). Pairings that expired
    more than a day ago are cleared on the way (they only ever matter for a few minutes)."""
    now = utcnow()
    db.session.execute(delete(PairingRequest).where(PairingRequest.expires_at < now - timedelta(days=1)))
    for _ in range(20):
        code = _new_code()
        clash = db.session.scalar(
            select(PairingRequest.id).where(
                PairingRequest.code == code, PairingRequest.expires_at > now, PairingRequest.claimed_at.is_(None)
            )
        )
        if clash is None:
            break
    pairing = PairingRequest(
        id=secrets.token_urlsafe(24), code=code, device=_clean_device(device), remote_addr=remote_addr[:64],
        created_at=now, expires_at=now + _ttl(),
    )
    db.session.add(pairing)
    db.session.commit()
    return pairing


def _clean_device(device) -> dict:
    if not isinstance(device, dict):
        return {}
    return {str(k)[:40]: v if isinstance(v, int | float | bool) else str(v)[:300] for k, v in list(device.items())[:20]}


def pending_by_code(code: str) -> PairingRequest | None:
    return db.session.scalar(
        select(PairingRequest).where(
            PairingRequest.code == normalise_code(code), PairingRequest.claimed_at.is_(None),
            PairingRequest.expires_at > utcnow(),
        )
    )


def claim(code: str, screen: Screen, user_id: int | None) -> PairingRequest:
    """Give the player that shows `code` a fresh token for `screen` (older tokens are revoked). Commits."""
    if screen.retired:
        raise PairingError("This screen is retired.")
    pairing = pending_by_code(code)
    if pairing is None:
        raise PairingError("No player is showing this code (it may have expired). Check the code on the screen.")
    pairing.token_once = issue_token(screen.id, user_id)
    pairing.screen_id = screen.id
    pairing.claimed_at = utcnow()
    pairing.claimed_by_id = user_id
    db.session.commit()
    from players.auth import publish_tokens

    publish_tokens([screen.id])
    return pairing


def poll(pairing_id: str) -> tuple[int, dict]:
    """(HTTP status, body) for a player waiting on its pairing; the token is handed out exactly once."""
    pairing = db.session.get(PairingRequest, pairing_id)
    if pairing is None:
        return 404, {"error": "unknown pairing"}
    if pairing.claimed_at is None:
        if pairing.expires_at <= utcnow():
            return 410, {"status": "expired"}
        return 202, {"status": "pending", "code": pairing.code, "expires_at": pairing.expires_at.isoformat()}
    if pairing.token_once is None:
        return 410, {"status": "delivered"}
    token = pairing.token_once
    handed = db.session.execute(
        update(PairingRequest)
        .where(PairingRequest.id == pairing_id, PairingRequest.token_once == token)
        .values(token_once=None, delivered_at=utcnow())
    ).rowcount
    db.session.commit()
    if handed != 1:  # a concurrent poll got it first
        return 410, {"status": "delivered"}
    return 200, {"status": "paired", "token": token, "screen_id": pairing.screen_id}

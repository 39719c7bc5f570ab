"""Bearer tokens of the read-only indicators API: issued by an admin for a region subtree, shown once, stored
as their sha256, revocable. `authenticate` returns the live token a request carries, or None."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import request
from sqlalchemy import select

from reports.models import ApiToken
from signage.extensions import db
from signage.models import Region
from signage.timeutil import utcnow

PREFIX = "rpt_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(name: str, region: Region, user_id: int | None) -> str:
    """A new token (returned once, never stored in clear). Does not commit."""
    token = PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name, region_id=region.id, token_hash=token_hash(token), created_by_id=user_id))
    return token


def authenticate() -> ApiToken | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip().startswith(PREFIX):
        return None
    digest = token_hash(token.strip())
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None)))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    row.last_used_at = utcnow()
    db.session.commit()
    return row

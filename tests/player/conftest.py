"""Fixtures for the player tests: paired screens (a real token through players.auth)."""

from __future__ import annotations

import pytest
from sqlalchemy import select


@pytest.fixture
def paired(app, demo):
    """`paired("Chợ Phan Thiết")` → (screen_id, bearer token) for a demo screen."""
    from players.auth import issue_token, publish_tokens
    from signage.extensions import db
    from signage.models import Screen

    def _pair(name: str) -> tuple[int, str]:
        screen = db.session.scalar(select(Screen).where(Screen.name == name))
        token = issue_token(screen.id, None)
        db.session.commit()
        publish_tokens([screen.id])
        return screen.id, token

    return _pair

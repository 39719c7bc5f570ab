"""Fixtures for the player API: a paired screen and its bearer token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signage.extensions import db
from signage.models import Screen


@pytest.fixture
def screen(demo) -> Screen:
    return db.session.scalars(select(Screen).order_by(Screen.id)).first()


@pytest.fixture
def pair(app):
    """`pair(screen_id)` → a bearer token, obtained through the real pairing flow."""
    from players import pairing

    def _pair(screen_id: int) -> str:
        with app.test_request_context():
            request = pairing.start_pairing({"ua": "test"})
            pairing.claim(request.code, db.session.get(Screen, screen_id), None)
            status, body = pairing.poll(request.id)
        assert status == 200
        return body["token"]

    return _pair


@pytest.fixture
def token(screen, pair) -> str:
    return pair(screen.id)


@pytest.fixture
def player(app, token):
    """A test client that sends the screen's token."""
    http = app.test_client()
    http.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return http


from tests.scheduling.conftest import build, content, player_for, screens  # noqa: E402, F401  (shared fixtures)

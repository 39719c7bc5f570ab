"""Fixtures for the alert tests: paired players (shared with tests/player), the SMS package's contacts and
outbox gateway (an alert may text people), and helpers to poll as a player and act as a signed-in user."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from tests.player.conftest import paired  # noqa: F401
from tests.sms.conftest import make_campaign, make_contact, outbox_app, sms_sync  # noqa: F401

POLL = "/api/player/v1/alerts"


def poll(app, token: str, etag: str | None = None):
    """GET the alert poll as the player holding `token` (through the WSGI fast path, as a real player)."""
    headers = {"Authorization": f"Bearer {token}"}
    if etag:
        headers["If-None-Match"] = etag
    with app.app_context():
        return app.test_client().get(POLL, headers=headers)


def ack(app, token: str, acks: list[dict]):
    with app.app_context():
        return app.test_client().post(f"{POLL}/ack", json={"acks": acks}, headers={"Authorization": f"Bearer {token}"})


@contextmanager
def signed_in(app, username: str):
    """A request context with `username` signed in (what the service's approval steps read)."""
    from flask_login import login_user

    from signage.extensions import db
    from signage.models import User

    with app.test_request_context():
        login_user(db.session.scalar(select(User).where(User.username == username)))
        yield


@contextmanager
def sql_statements():
    """The SQL statements run inside the block."""
    from signage.extensions import db

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def as_user(app):
    return lambda username: signed_in(app, username)

"""Fixtures of the fleet tests: a real SMTP server on localhost (aiosmtpd) that keeps what it receives, the
app pointed at it, technicians, and heartbeats sent as a player would at frozen times."""

from __future__ import annotations

import socket
from datetime import datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from fleet.models import Technician
from players import heartbeat
from signage.extensions import db
from signage.models import Region, Screen, User


class Inbox:
    """aiosmtpd handler: every message received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for m in self.messages]

    def to(self) -> list[str]:
        return [m["To"] for m in self.messages]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 for the test; `smtp.inbox.messages` is what arrived."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    controller.inbox = inbox
    yield controller
    controller.stop()


@pytest.fixture
def mail_app(app, smtp, monkeypatch):
    """The app sending email to the test's SMTP server; jobs run inline (RQ_SYNC)."""
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_TLS": False, "RQ_SYNC": True,
                       "FLEET_QUIET_HOURS": None}.items():
        monkeypatch.setitem(app.config, key, value)
    return app


@pytest.fixture
def screens(demo) -> dict[str, Screen]:
    return {s.name: s for s in db.session.scalars(select(Screen).order_by(Screen.id))}


@pytest.fixture
def technician(demo):
    """`technician("hamtan", "BT-HT", "tech@…")` → a Technician row (the account's region subscription)."""

    def _make(username: str, region_code: str, email: str) -> Technician:
        user = db.session.scalar(select(User).where(User.username == username))
        region = db.session.scalar(select(Region).where(Region.code == region_code))
        row = Technician(user_id=user.id, region_id=region.id, email=email, phone="")
        db.session.add(row)
        db.session.commit()
        return row

    return _make


def beat(screen_id: int, at: datetime, **body) -> None:
    """One heartbeat of a player at `at`, through the players' own recording."""
    heartbeat.record(screen_id, {"app_version": "1", **body}, int(at.timestamp() * 1000))

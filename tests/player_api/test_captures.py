"""Captures of the glass (issue 13): the player uploads a small JPEG of what it composited; it is checked,
kept per screen for the retention period, acknowledges the capture command that asked for it, and shows on
the screen's page labelled as captured by the player."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select

from players import captures, commands
from players.models import Capture, Command
from signage.extensions import db
from signage.models import AuditLog, Screen
from tests.scheduling.conftest import local

T0 = local(2026, 12, 1, 8, 0)
STATION = "Bến xe Phan Thiết"


def _jpeg(size=(320, 180), colour=(200, 30, 30), fmt="JPEG") -> str:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return base64.b64encode(out.getvalue()).decode()


def _upload(player, at=T0, **kw):
    body = dict({"jpeg": _jpeg(), "taken_at_ms": int(at.timestamp() * 1000), "reason": "scheduled",
                 "shows": {"name": "Biển Mũi Né", "ticker": "Chào mừng"}}, **kw)
    with time_machine.travel(at, tick=False):
        return player.post("/api/player/v1/captures", json=body)


@pytest.fixture
def station(screens) -> Screen:
    return screens[STATION]


def test_a_capture_is_stored_with_its_size_and_what_it_shows(app, player_for, station):
    screen = station
    response = _upload(player_for(screen))
    assert response.status_code == 201
    capture = db.session.get(Capture, response.get_json()["id"])
    assert (capture.screen_id, capture.width, capture.height, capture.taken_at) == (screen.id, 320, 180, T0)
    assert capture.shows["ticker"] == "Chào mừng" and capture.jpeg[:2] == b"\xff\xd8"


def test_what_is_not_a_small_jpeg_is_refused_naming_the_field(player_for, station):
    player = player_for(station)
    assert _upload(player, jpeg=_jpeg(fmt="PNG")).get_json()["field"] == "jpeg"
    assert _upload(player, jpeg="not base64!").status_code == 400
    assert _upload(player, jpeg=_jpeg(size=(5000, 10))).status_code == 400
    assert _upload(player, jpeg="A" * (captures.MAX_BYTES * 2)).status_code == 413
    assert _upload(player, taken_at_ms="soon").get_json()["field"] == "taken_at_ms"


def test_a_second_scheduled_capture_within_a_minute_is_refused(player_for, station):
    player = player_for(station)
    assert _upload(player).status_code == 201
    assert _upload(player, at=T0 + timedelta(seconds=10)).status_code == 429
    assert _upload(player, at=T0 + timedelta(seconds=60)).status_code == 201
    assert _upload(player, at=T0 + timedelta(seconds=11), reason="request").status_code == 201


def test_a_requested_capture_acknowledges_its_command(app, player_for, station):
    screen = station
    player = player_for(screen)
    command = commands.send(screen, "capture", None)
    assert _upload(player, reason="request", command_id=command.id).status_code == 201
    db.session.refresh(command)
    assert command.status == "acknowledged"


def test_captures_older_than_the_retention_are_dropped_and_old_commands_expire(app, player_for, station):
    screen = station
    player = player_for(screen)
    _upload(player, at=T0)
    _upload(player, at=T0 + timedelta(hours=23))
    with time_machine.travel(T0, tick=False):
        command = commands.send(screen, "reload", None)
    assert captures.cleanup(T0 + timedelta(hours=24, minutes=1)) == {"captures": 1, "commands": 1, "manifests": 0}
    assert captures.cleanup(T0 + timedelta(hours=24, minutes=1)) == {"captures": 0, "commands": 0,
                                                                     "manifests": 0}  # idempotent
    assert db.session.scalar(select(func.count()).select_from(Capture)) == 1
    assert db.session.scalar(select(Command.status).where(Command.id == command.id)) == "expired"
    audit = db.session.scalars(select(AuditLog).where(
        AuditLog.entity == "Command", AuditLog.entity_id == str(command.id)).order_by(AuditLog.id)).all()
    assert [(a.action, a.username, (a.after or {}).get("status")) for a in audit] == [
        ("create", "system", "pending"), ("update", "system", "expired")]  # the expiry is in the audit log too
    assert audit[1].region_path == screen.region.path


def test_the_screen_page_shows_the_latest_capture_labelled_as_the_players(app, login, player_for, station):
    screen = station
    now = local(2026, 12, 1, 9, 0)
    with time_machine.travel(now, tick=False):
        capture_id = _upload(player_for(screen), at=now).get_json()["id"]
        ui = login("phanthiet")
        page = ui.get(f"/schedule/screens/{screen.id}", follow_redirects=True).get_data(as_text=True)
        glass = page.split('id="glass"')[1].split("</section>")[0]
        assert "Ảnh chụp từ máy phát" in glass and "09:00:00" in glass
        image = ui.get(f"/players/screens/{screen.id}/captures/{capture_id}.jpg")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"


def test_another_districts_operator_cannot_see_a_capture(app, login, player_for, station):
    screen = station
    capture_id = _upload(player_for(screen)).get_json()["id"]
    assert login("hamtan").get(f"/players/screens/{screen.id}/captures/{capture_id}.jpg").status_code == 404

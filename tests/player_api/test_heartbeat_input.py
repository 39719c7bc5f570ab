"""Heartbeat input (issue 10): numbers out of range or not finite are refused with 400 naming the field,
never a 500; the player's diagnostics (issue 13) are checked and kept on the screen status."""

from __future__ import annotations

import pytest
import time_machine

from players.models import ScreenStatus
from signage.extensions import db
from tests.scheduling.conftest import local

T0 = local(2026, 12, 1, 8, 0)
BEAT = {"app_version": "1.0.0", "screen_w": 1920, "screen_h": 1080, "free_storage": 12_000_000_000}


def _post_raw(player, text: str):
    return player.post("/api/player/v1/heartbeat", data=text, content_type="application/json")


@pytest.mark.parametrize(("field", "raw"), [
    ("screen_w", "1e400"), ("screen_w", "Infinity"), ("screen_h", "NaN"), ("screen_w", str(10**30)),
    ("free_storage", str(-10**20)), ("screen_h", '"wide"'), ("screen_w", "true"),
])
def test_a_number_out_of_range_is_refused_naming_the_field(player, field, raw):
    with time_machine.travel(T0, tick=False):
        response = _post_raw(player, f'{{"app_version": "1", "{field}": {raw}}}')
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_a_refused_beat_stores_nothing(app, player, screen):
    with time_machine.travel(T0, tick=False):
        _post_raw(player, '{"screen_w": 1e400}')
    with app.app_context():
        assert db.session.get(ScreenStatus, screen.id) is None


def test_diagnostics_are_kept_on_the_screen_status_with_errors_deduplicated(app, player, screen):
    diagnostics = {
        "missing_assets": ["/media/a.jpg"], "corrupt_assets": [], "free_storage_bytes": 5_000_000,
        "js_errors": [{"message": "TypeError: x", "count": 2}, {"message": "TypeError: x", "count": 3},
                      {"message": "ReferenceError: y", "count": 1}],
        "clock_offset_ms": -1200, "rtt_ms": 85, "browser": "Chromium 120", "page_uptime_s": 3600, "blank_s": 0,
        "unknown_key": "dropped",
    }
    with time_machine.travel(T0, tick=False):
        assert player.post("/api/player/v1/heartbeat", json=dict(BEAT, diagnostics=diagnostics)).status_code == 200
    with app.app_context():
        stored = db.session.get(ScreenStatus, screen.id).diagnostics
    assert stored["js_errors"] == [{"message": "TypeError: x", "count": 5},
                                   {"message": "ReferenceError: y", "count": 1}]
    assert stored["missing_assets"] == ["/media/a.jpg"] and stored["clock_offset_ms"] == -1200
    assert stored["blank_s"] == 0 and stored["browser"] == "Chromium 120" and "unknown_key" not in stored


def test_a_diagnostic_out_of_range_is_refused_naming_it(player):
    with time_machine.travel(T0, tick=False):
        response = _post_raw(player, '{"diagnostics": {"rtt_ms": -5}}')
    assert response.status_code == 400 and response.get_json()["field"] == "diagnostics.rtt_ms"


def test_a_quiet_beat_is_answered_by_the_fast_path_and_a_due_one_by_flask(app, player, screen, monkeypatch):
    from datetime import timedelta

    with time_machine.travel(T0, tick=False):
        assert player.post("/api/player/v1/heartbeat", json=BEAT).status_code == 200  # first: Flask, database
    monkeypatch.setitem(app.view_functions, "player_api.heartbeat",
                        lambda: (_ for _ in ()).throw(AssertionError("Flask answered")))
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        quiet = player.post("/api/player/v1/heartbeat", json=dict(BEAT, diagnostics={"rtt_ms": 40}))
    assert quiet.get_json() == {"ok": True, "server_time_ms": int((T0 + timedelta(seconds=30)).timestamp() * 1000)}
    monkeypatch.undo()
    with app.app_context():
        from players.heartbeat import latest

        assert latest([screen.id])[screen.id]["diagnostics"] == {"rtt_ms": 40}  # stored, in Redis
    calls = []
    monkeypatch.setitem(app.view_functions, "player_api.heartbeat", lambda: calls.append(1) or ("", 204))
    with time_machine.travel(T0 + timedelta(minutes=5, seconds=30), tick=False):  # the database row is due
        player.post("/api/player/v1/heartbeat", json=BEAT)
    assert calls == [1]

"""Heartbeats (coalesced database writes, online/offline) and proof of play (idempotent, outlives content)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from players.heartbeat import is_online, latest
from players.models import PlayRecord, ScreenStatus
from signage.extensions import db
from tests.scheduling.conftest import local

T0 = local(2026, 12, 1, 8, 0)
BEAT = {"playing": {"item_type": "slide", "item_id": 3}, "app_version": "1.0.0", "screen_w": 1920,
        "screen_h": 1080, "free_storage": 12_000_000_000, "errors": [], "sent_at": "2026-12-01T08:00:00+07:00"}


def test_heartbeat_answers_with_server_time(player):
    with time_machine.travel(T0, tick=False):
        response = player.post("/api/player/v1/heartbeat", json=BEAT)
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "server_time_ms": int(T0.timestamp() * 1000)}


def test_heartbeats_every_10_seconds_write_the_database_at_most_every_five_minutes(app, player, screen):
    db_writes = []
    for second in range(0, 600, 10):
        with time_machine.travel(T0 + timedelta(seconds=second), tick=False):
            player.post("/api/player/v1/heartbeat", json=BEAT)
        with app.app_context():
            row = db.session.get(ScreenStatus, screen.id)
            if not db_writes or row.last_seen_at != db_writes[-1]:
                db_writes.append(row.last_seen_at)
    assert len(db_writes) == 2  # at 0 s and after the 300 s interval, not 60 times
    with app.app_context():
        assert latest([screen.id])[screen.id]["last_seen_ms"] == int((T0 + timedelta(seconds=590)).timestamp() * 1000)


def test_a_state_change_is_written_at_once(app, player, screen):
    with time_machine.travel(T0, tick=False):
        player.post("/api/player/v1/heartbeat", json=BEAT)
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        player.post("/api/player/v1/heartbeat", json=dict(BEAT, errors=["asset 404: /media/x.jpg"]))
    with app.app_context():
        row = db.session.get(ScreenStatus, screen.id)
        assert row.errors == ["asset 404: /media/x.jpg"] and row.free_storage == 12_000_000_000


def test_online_until_one_point_one_intervals_plus_grace():
    assert is_online(0, (1.1 * 30 + 15) * 1000, 30)
    assert not is_online(0, (1.1 * 30 + 15) * 1000 + 1, 30)
    assert not is_online(None, 0, 30)


def _served(app, screen_id: int, item_ids=(3,), entry_id: int = 7) -> None:
    """The screen was given a manifest with these slides (proof of play is checked against it)."""
    from players.plays import note_served

    items = [{"item_type": "slide", "item_id": i, "assets": {"vi": {"sha256": "ab" * 32}}} for i in item_ids]
    manifest = {"timeline": [{"entry_id": entry_id, "items": items}],
                "valid_until": (T0 + timedelta(hours=48)).isoformat()}
    with app.app_context():
        note_served(screen_id, manifest, T0 - timedelta(hours=1))


def _play(pid: str, **kw) -> dict:
    return dict({"id": pid, "item_type": "slide", "item_id": 3, "entry_id": 7,
                 "started_at": "2026-12-01T08:00:00+07:00", "duration_s": 10,
                 "name": "Lễ hội Nghinh Ông", "sha256": "ab" * 32}, **kw)


@time_machine.travel(T0 + timedelta(minutes=1), tick=False)
def test_plays_are_idempotent_on_the_client_id(app, player, screen):
    _served(app, screen.id)
    batch = {"plays": [_play("a"), _play("b")]}
    assert player.post("/api/player/v1/plays", json=batch).get_json() == {"accepted": 2, "duplicates": 0,
                                                                          "rejected": 0}
    retry = {"plays": [_play("b"), _play("c")]}
    assert player.post("/api/player/v1/plays", json=retry).get_json() == {"accepted": 1, "duplicates": 1,
                                                                          "rejected": 0}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlayRecord)) == 3


@time_machine.travel(T0 + timedelta(minutes=1), tick=False)
def test_a_malformed_play_refuses_the_batch_naming_the_field(app, player, screen):
    _served(app, screen.id)
    body = {"plays": [_play("ok"), _play("bad", item_type="html"), {"id": "x"}, "junk"]}
    response = player.post("/api/player/v1/plays", json=body)
    assert (response.status_code, response.get_json()["field"]) == (400, "plays[1].item_type")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlayRecord)) == 0


@time_machine.travel(T0 + timedelta(minutes=1), tick=False)
def test_play_records_keep_name_and_hash_without_the_content(app, player, screen):
    _served(app, screen.id, item_ids=(424242,))
    player.post("/api/player/v1/plays", json={"plays": [_play("p1", item_id=424242)]})
    with app.app_context():
        record = db.session.scalar(select(PlayRecord))
        assert (record.item_id, record.name, record.sha256, record.entry_id) == (424242, "Lễ hội Nghinh Ông",
                                                                                 "ab" * 32, 7)
        assert record.started_at == T0 and record.screen_id == screen.id


def test_a_player_back_from_a_silence_is_written_at_once(app, player, screen):
    with time_machine.travel(T0, tick=False):
        player.post("/api/player/v1/heartbeat", json=BEAT)
    back = T0 + timedelta(minutes=3)  # within the 5-minute write interval, but after a silence
    with time_machine.travel(back, tick=False):
        player.post("/api/player/v1/heartbeat", json=BEAT)
    with app.app_context():
        assert db.session.get(ScreenStatus, screen.id).last_seen_at == back


def test_behind_a_proxy_a_quiet_beat_answered_before_flask_keeps_the_players_address(app, token, screen):
    """BEHIND_PROXY: the X-Forwarded-For of the one proxy in front (nginx of `flask players push-proxy`) is the
    player's address, also for the beats the WSGI fast path answers (players.fastpath) without Flask."""
    from signage import create_app

    proxied = create_app(dict(app.config, BEHIND_PROXY=True))
    http = proxied.test_client()
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.7"}
    for second in (0, 10):  # the first beat is written by Flask, the second is a quiet one
        with time_machine.travel(T0 + timedelta(seconds=second), tick=False):
            assert http.post("/api/player/v1/heartbeat", json=BEAT, headers=headers).status_code == 200
    with app.app_context():
        beat = latest([screen.id])[screen.id]
    assert beat["last_seen_ms"] == int((T0 + timedelta(seconds=10)).timestamp() * 1000)
    assert beat["remote_addr"] == "203.0.113.7"

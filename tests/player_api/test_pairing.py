"""Pairing: a code on the screen, an operator claims it, the player gets a revocable token once."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from players.auth import authenticate_player, token_hash, token_key
from players.models import PlayerToken
from players.pairing import CODE_ALPHABET, claim
from signage.extensions import db
from signage.models import Screen
from signage.redis_client import get_redis


def _start(http):
    response = http.post("/api/player/v1/pair", json={"device": {"ua": "Chromium 120", "w": 1920}})
    assert response.status_code == 201
    return response.get_json()


def test_pair_returns_a_six_character_unambiguous_code(app, demo):
    body = _start(app.test_client())
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", body["code"])
    assert not set(body["code"]) & set("0O1IL2Z5S8B")
    assert body["poll_after_s"] == 3 and body["pairing_id"] and body["expires_at"]


def test_pending_until_claimed_then_token_handed_out_exactly_once(app, demo, screen):
    http = app.test_client()
    body = _start(http)
    pending = http.get(f"/api/player/v1/pair/{body['pairing_id']}")
    assert pending.status_code == 202
    assert pending.get_json() == {"status": "pending", "code": body["code"], "expires_at": body["expires_at"]}

    with app.app_context():
        claim(body["code"].lower(), db.session.get(Screen, screen.id), None)
    paired = http.get(f"/api/player/v1/pair/{body['pairing_id']}")
    assert paired.status_code == 200
    assert paired.get_json()["screen_id"] == screen.id and len(paired.get_json()["token"]) > 30
    assert http.get(f"/api/player/v1/pair/{body['pairing_id']}").status_code == 410


def test_unclaimed_pairing_expires_with_410(app, demo):
    http = app.test_client()
    body = _start(http)
    with time_machine.travel(timedelta(minutes=16), tick=False):
        assert http.get(f"/api/player/v1/pair/{body['pairing_id']}").status_code == 410


def test_pair_is_rate_limited(app, demo):
    http = app.test_client()
    statuses = {http.post("/api/player/v1/pair", json={}, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
                for _ in range(25)}
    assert statuses == {201, 429}


def test_token_identifies_the_screen_via_redis_without_the_database(app, screen, token):
    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        assert authenticate_player() == screen.id
    with app.app_context():
        db.session.execute(db.delete(PlayerToken))  # the database no longer knows it: the cache answers
        db.session.commit()
    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        assert authenticate_player() == screen.id


def test_cache_miss_falls_back_to_the_database(app, screen, token):
    with app.app_context():
        get_redis().delete(token_key(token_hash(token)))
    with app.test_request_context(f"/?token={token}"):
        assert authenticate_player() == screen.id


def test_unknown_token_is_unpaired(app, demo):
    headers = {"Authorization": "Bearer " + "x" * 43}
    response = app.test_client().post("/api/player/v1/heartbeat", json={}, headers=headers)
    assert response.status_code == 401 and response.get_json() == {"error": "unpaired"}


def test_new_claim_for_the_same_screen_revokes_the_old_token(app, screen, pair):
    first = pair(screen.id)
    second = pair(screen.id)
    with app.test_request_context(headers={"Authorization": f"Bearer {first}"}):
        assert authenticate_player() is None
    with app.test_request_context(headers={"Authorization": f"Bearer {second}"}):
        assert authenticate_player() == screen.id
    with app.app_context():
        live = db.session.scalars(select(PlayerToken).where(PlayerToken.revoked_at.is_(None))).all()
        assert [t.screen_id for t in live] == [screen.id]


def test_long_expired_pairings_are_cleared_when_new_ones_start(app, demo):
    from players.models import PairingRequest

    http = app.test_client()
    old = _start(http)["pairing_id"]
    with time_machine.travel(timedelta(days=2), tick=False):
        _start(http)
    with app.app_context():
        assert db.session.get(PairingRequest, old) is None

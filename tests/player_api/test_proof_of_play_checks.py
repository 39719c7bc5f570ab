"""Proof of play is not taken on the player's word (issue 10): malformed fields answer 400 naming the field,
an oversized batch 413, and a play of an item the screen was never given — or at a time far from the
server clock — is kept apart as rejected and never reaches the play records the reports read."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from players.models import ManifestServed, PlayRecord, PlayRejected
from players.plays import Served, judge
from signage.extensions import db
from tests.scheduling.conftest import local

T0 = local(2026, 12, 1, 8, 0)
NOW = T0 + timedelta(minutes=30)
AGE = timedelta(days=7)


def _play(pid: str, **kw) -> dict:
    return dict({"id": pid, "item_type": "slide", "item_id": 1, "entry_id": None,
                 "started_at": T0.isoformat(), "duration_s": 10, "name": "x"}, **kw)


def _post(player, plays):
    return player.post("/api/player/v1/plays", json={"plays": plays})


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _fetch_manifest(player, at):
    with time_machine.travel(at, tick=False):
        assert player.get("/api/player/v1/manifest").status_code == 200


# ---------------------------------------------------------------- malformed input


def test_huge_ids_and_a_start_beyond_utc_answer_400_naming_the_field(player):
    cases = [({"item_id": 10**30}, "plays[0].item_id"), ({"entry_id": -10**30}, "plays[0].entry_id"),
             ({"started_at": "9999-12-31T23:59:59-14:00"}, "plays[0].started_at"),
             ({"started_at": "2999-01-01T00:00:00Z"}, "plays[0].started_at"),
             ({"duration_s": float("inf")}, "plays[0].duration_s")]
    for change, field in cases:
        body = json.dumps({"plays": [_play("a", **change)]})  # float('inf') goes out as Infinity
        response = player.post("/api/player/v1/plays", data=body, content_type="application/json")
        assert (response.status_code, response.get_json().get("field")) == (400, field), change


def test_a_batch_of_100000_plays_is_refused_whole_and_says_the_limit(app, player):
    response = _post(player, [_play(str(i)) for i in range(100_000)])
    assert response.status_code == 413 and response.get_json()["max_batch"] == 500
    with app.app_context():
        assert _count(PlayRecord) == 0 and _count(PlayRejected) == 0


def test_one_play_more_than_the_limit_is_refused(player):
    assert _post(player, [_play(str(i)) for i in range(501)]).status_code == 413


# ---------------------------------------------------------------- judged against the manifests served


def test_a_play_of_an_item_in_the_screens_manifest_is_accepted(app, build, content, screens, player_for):
    content.add("slide", 1)
    screen = screens["Bến xe Phan Thiết"]
    build.default(screen, build.playlist("Mặc định", [("slide", 1, 10)]))
    player = player_for(screen)
    _fetch_manifest(player, T0 - timedelta(hours=1))
    with time_machine.travel(NOW, tick=False):
        assert _post(player, [_play("a")]).get_json() == {"accepted": 1, "duplicates": 0, "rejected": 0}


def test_a_play_of_another_districts_slide_is_rejected_and_kept_apart(app, build, content, screens, player_for):
    content.add("slide", 1).add("slide", 2)
    station, other = screens["Bến xe Phan Thiết"], _other_district_screen(screens)
    build.default(station, build.playlist("Phan Thiết", [("slide", 1, 10)]))
    build.default(other, build.playlist("Khác", [("slide", 2, 10)]))
    player = player_for(other)
    _fetch_manifest(player, T0 - timedelta(hours=1))
    with time_machine.travel(NOW, tick=False):
        answer = _post(player, [_play("forged", item_id=1), _play("own", item_id=2)]).get_json()
    assert answer == {"accepted": 1, "duplicates": 0, "rejected": 1}
    with app.app_context():
        assert db.session.scalars(select(PlayRecord.client_id)).all() == ["own"]
        assert db.session.execute(select(PlayRejected.client_id, PlayRejected.reason)).all() == [
            ("forged", "not_in_manifest")]


def test_a_play_before_the_screen_ever_got_a_manifest_is_rejected(app, player):
    with time_machine.travel(NOW, tick=False):
        assert _post(player, [_play("a")]).get_json()["rejected"] == 1


def _other_district_screen(screens):
    station = screens["Bến xe Phan Thiết"]
    return next(s for s in screens.values() if s.region_id != station.region_id)


# ---------------------------------------------------------------- the pure rule


def _served(at, until, items=None, entries=()):
    return Served(at, until, items if items is not None else {"slide:1": ["v1"]}, frozenset(entries))


def _parsed(**kw):
    return dict({"item_type": "slide", "item_id": 1, "entry_id": None, "started_at": T0, "sha256": ""}, **kw)


def test_a_start_far_from_the_server_clock_is_refused():
    served = [_served(T0 - timedelta(days=30), T0 + timedelta(days=2))]
    assert judge(_parsed(started_at=NOW + timedelta(hours=1)), served, NOW, AGE) == "future"
    assert judge(_parsed(started_at=NOW - timedelta(days=8)), served, NOW, AGE) == "too_old"
    assert judge(_parsed(started_at=NOW + timedelta(minutes=2)), served, NOW, AGE) is None  # clock skew


def test_a_manifest_served_after_the_play_does_not_cover_it():
    served = [_served(T0 + timedelta(minutes=10), T0 + timedelta(days=2))]
    assert judge(_parsed(), served, NOW, AGE) == "not_in_manifest"


def test_an_offline_player_plays_on_from_its_last_manifest_past_its_validity():
    served = [_served(T0 - timedelta(days=3), T0 - timedelta(days=1))]
    assert judge(_parsed(), served, NOW, AGE) is None


def test_an_item_dropped_from_the_newer_manifests_is_not_believed_later():
    old = _served(T0 - timedelta(days=3), T0 - timedelta(days=1))
    new = _served(T0 - timedelta(hours=2), T0 + timedelta(days=2), items={"slide:2": []})
    assert judge(_parsed(), [old, new], NOW, AGE) == "not_in_manifest"


def test_a_version_and_an_entry_the_screen_was_never_given_are_refused():
    served = [_served(T0 - timedelta(hours=1), T0 + timedelta(days=2), entries=(7,))]
    assert judge(_parsed(sha256="v0"), served, NOW, AGE) == "unknown_version"
    assert judge(_parsed(sha256="v1", entry_id=8), served, NOW, AGE) == "unknown_entry"
    assert judge(_parsed(sha256="v1", entry_id=7), served, NOW, AGE) is None


def test_the_same_manifest_served_again_extends_one_row(app, build, content, screens, player_for):
    content.add("slide", 1)
    screen = screens["Bến xe Phan Thiết"]
    build.default(screen, build.playlist("Mặc định", [("slide", 1, 10)]))
    player = player_for(screen)
    _fetch_manifest(player, T0)
    _fetch_manifest(player, T0 + timedelta(hours=1))
    with app.app_context():
        rows = db.session.scalars(select(ManifestServed).where(ManifestServed.screen_id == screen.id)).all()
    assert len(rows) == 1 and rows[0].valid_until == T0 + timedelta(hours=49)


def test_manifests_too_old_to_judge_any_play_are_pruned_but_each_screens_last_is_kept(app, screen):
    from players.plays import note_served, prune_served

    def served(at, item_id):
        note_served(screen.id, {"timeline": [{"entry_id": None, "items": [
            {"item_type": "slide", "item_id": item_id, "assets": {}}]}],
            "valid_until": (at + timedelta(hours=48)).isoformat()}, at)

    served(T0 - timedelta(days=30), 1)
    served(T0 - timedelta(days=20), 2)
    assert prune_served(T0) == 1  # the older; the last one stays though it is old too
    assert db.session.scalars(select(ManifestServed.items)).all()[0]["items"] == {"slide:2": []}

"""GET /api/player/v1/manifest: ETag, 304 after one Redis read and no database query, fresh after edits."""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import event

from signage.extensions import db
from signage.redis_client import get_redis
from tests.scheduling.conftest import local

NOW = local(2026, 12, 1, 8, 0)
STATION, RAIL = "Bến xe Phan Thiết", "Ga Phan Thiết"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def scheduled(build, content, screens):
    content.add("slide", 1).add("slide", 2)
    main = build.playlist("Main", [("slide", 1)])
    for screen in screens.values():
        build.default(screen, main)
    return main


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def redis_calls() -> int:
    stats = get_redis().info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k not in ("cmdstat_info", "cmdstat_config"))


def test_manifest_is_served_with_an_etag_and_no_cache(player_for, screens, scheduled):
    response = player_for(screens[STATION]).get("/api/player/v1/manifest")
    assert response.status_code == 200
    body = response.get_json()
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert response.headers["Cache-Control"] == "no-cache"
    assert body["screen"]["id"] == screens[STATION].id
    assert body["timeline"][0]["items"][0]["item_id"] == 1


def test_unchanged_manifest_is_a_304_after_one_redis_read_and_no_database_query(app, player_for, screens,
                                                                                  scheduled):
    http = player_for(screens[STATION])
    etag = http.get("/api/player/v1/manifest").headers["ETag"]
    get_redis().config_resetstat()
    with QueryCounter(db.engine) as queries:
        response = http.get("/api/player/v1/manifest", headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.headers["ETag"] == etag
    assert queries.count == 0
    assert redis_calls() == 1  # one MGET: token and version together


def test_new_player_code_reaches_every_screen_on_its_next_poll(player_for, screens, scheduled, monkeypatch):
    import players.version

    http = player_for(screens[STATION])
    etag = http.get("/api/player/v1/manifest").headers["ETag"]
    monkeypatch.setattr(players.version, "_cached", (float("inf"), "next-release"))  # as after a deploy

    response = http.get("/api/player/v1/manifest", headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.get_json()["player_version"] == "next-release"


def test_a_schedule_edit_reaches_the_affected_screen_on_its_next_poll_and_no_other(player_for, screens, scheduled,
                                                                                     build):
    station, rail = player_for(screens[STATION]), player_for(screens[RAIL])
    tags = {name: http.get("/api/player/v1/manifest").headers["ETag"]
            for name, http in ((STATION, station), (RAIL, rail))}
    news = build.playlist("News", [("slide", 2)])
    entry = build.entry(news, [("screen", screens[STATION].id)], priority=80)
    fresh = station.get("/api/player/v1/manifest", headers={"If-None-Match": tags[STATION]})
    assert fresh.status_code == 200 and entry.id in {s["entry_id"] for s in fresh.get_json()["timeline"]}
    assert rail.get("/api/player/v1/manifest", headers={"If-None-Match": tags[RAIL]}).status_code == 304


def test_an_etag_from_another_screen_does_not_give_a_304(player_for, screens, scheduled):
    station, rail = player_for(screens[STATION]), player_for(screens[RAIL])
    rail_tag = rail.get("/api/player/v1/manifest").headers["ETag"]
    response = station.get("/api/player/v1/manifest", headers={"If-None-Match": rail_tag})
    assert response.status_code == 200 and response.get_json()["screen"]["id"] == screens[STATION].id


def test_revoked_token_gets_401_even_with_a_current_etag(app, player_for, screens, scheduled):
    from players.auth import publish_tokens, revoke_tokens

    http = player_for(screens[STATION])
    etag = http.get("/api/player/v1/manifest").headers["ETag"]
    revoke_tokens(screens[STATION].id, None)
    db.session.commit()
    publish_tokens([screens[STATION].id])
    response = http.get("/api/player/v1/manifest", headers={"If-None-Match": etag})
    assert response.status_code == 401 and response.get_json() == {"error": "unpaired"}


def test_retiring_a_screen_unpairs_its_player(app, player_for, screens, scheduled, login):
    http = player_for(screens[RAIL])
    assert http.get("/api/player/v1/manifest").status_code == 200
    login("admin").post_form(f"/screens/{screens[RAIL].id}/retire", {}, token_from="/screens/")
    assert http.get("/api/player/v1/manifest").status_code == 401


def test_missing_token_is_401(app, demo):
    response = app.test_client().get("/api/player/v1/manifest")
    assert response.status_code == 401 and response.get_json() == {"error": "unpaired"}

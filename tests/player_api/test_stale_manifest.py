"""A screen that keeps playing an old programme is seen: the player says which manifest it plays from (its
ETag) with each heartbeat; one that is not the current one for longer than two polls and the grace period
shows on the status page and in the reports."""

from __future__ import annotations

import time

import time_machine

from scheduling import versions
from signage.timeutil import utcnow

STATION = "Bến xe Phan Thiết"


def _etag(player) -> str:
    return player.get("/api/player/v1/manifest").headers["ETag"]


def _row(page: str, screen_id: int) -> str:
    return page.split(f'data-screen-id="{screen_id}"')[1].split("</tr>")[0]


def test_a_player_on_the_current_manifest_is_not_stale(app, login, screens, player_for, content):
    player = player_for(screens[STATION])
    player.post("/api/player/v1/heartbeat", json={"manifest_etag": _etag(player)})
    with time_machine.travel(time.time() + 300, tick=False):
        player.post("/api/player/v1/heartbeat", json={"manifest_etag": player.get(
            "/api/player/v1/manifest").headers["ETag"]})
        assert "stale-manifest" not in _row(login("admin").get("/players/status").get_data(as_text=True),
                                             screens[STATION].id)


def test_a_change_that_does_not_reach_the_screen_shows_after_two_polls(app, login, screens, player_for, content):
    screen = screens[STATION]
    player = player_for(screen)
    old = _etag(player)
    with app.app_context():
        versions.bump([screen.id])  # a change the player never fetches
    player.post("/api/player/v1/heartbeat", json={"manifest_etag": old})
    ui = login("admin")
    assert "stale-manifest" not in _row(ui.get("/players/status").get_data(as_text=True), screen.id)  # just now
    with time_machine.travel(time.time() + 2 * 30 + 20, tick=False):
        player.post("/api/player/v1/heartbeat", json={"manifest_etag": old})
        assert "stale-manifest" in _row(ui.get("/players/status").get_data(as_text=True), screen.id)
        from reports.indicators import Scope, compute
        from reports.periods import month

        with app.test_request_context():
            now = utcnow()
            indicators = compute(Scope(screen.region), month(now.year, now.month), now)
        assert indicators.summary["stale_manifest_now"] == 1
        assert [r["screen"] for r in indicators.tables["stale_manifest"].rows] == [STATION]
        # the player fetches the change: no longer stale
        player.post("/api/player/v1/heartbeat", json={"manifest_etag": _etag(player)})
        assert "stale-manifest" not in _row(ui.get("/players/status").get_data(as_text=True), screen.id)

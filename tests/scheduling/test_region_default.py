"""A region's default playlist fills the gaps of every screen below it that has no default of its own
(the nearest region's wins), and changing it moves exactly the screens that inherit it."""

from __future__ import annotations

import pytest
import time_machine

from scheduling import versions
from scheduling.service import playlist_in_use, save_playlist, set_region_default
from signage.extensions import db
from signage.models import Screen
from tests.scheduling.conftest import local, manifest_of

NOW = local(2026, 12, 1, 8, 0)
STATION, MARKET, MUI_NE = "Bến xe Phan Thiết", "Chợ Phan Thiết", "Đồi cát Mũi Né — bãi đỗ xe"
TAN_NGHIA = "Trung tâm thị trấn Tân Nghĩa"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def playlists(build, content):
    for i in (1, 2, 3):
        content.add("slide", i)
    return {"province": build.playlist("Tỉnh", [("slide", 1)]),
            "city": build.playlist("Phan Thiết", [("slide", 2)]),
            "market": build.playlist("Chợ", [("slide", 3)])}


def fallback_slides(screen: Screen) -> list[int]:
    return [item["item_id"] for item in manifest_of(screen.id)["fallback"]["items"]]


def test_a_screen_without_a_default_of_its_own_plays_its_provinces(playlists, screens, demo):
    set_region_default(demo["BT"], playlists["province"].id)
    assert fallback_slides(screens[TAN_NGHIA]) == [1]


def test_the_nearest_regions_default_wins(playlists, screens, demo):
    set_region_default(demo["BT"], playlists["province"].id)
    set_region_default(demo["BT-PT"], playlists["city"].id)
    assert fallback_slides(screens[MUI_NE]) == [2]  # a ward of the city: the city's, not the province's
    assert fallback_slides(screens[TAN_NGHIA]) == [1]


def test_a_screens_own_default_beats_its_regions(playlists, screens, demo, build):
    build.default(screens[MARKET], playlists["market"])
    set_region_default(demo["BT-PT"], playlists["city"].id)
    assert fallback_slides(screens[MARKET]) == [3]


def test_removing_a_screens_own_default_falls_back_to_its_regions(playlists, screens, demo, build):
    set_region_default(demo["BT-PT"], playlists["city"].id)
    build.default(screens[MARKET], playlists["market"])
    build.default(screens[MARKET], None)
    assert fallback_slides(screens[MARKET]) == [2]


def test_setting_a_region_default_moves_exactly_the_screens_that_inherit_it(playlists, screens, demo, build):
    build.default(screens[MARKET], playlists["market"])
    set_region_default(demo["BT"], playlists["province"].id)
    before = {name: versions.counter(s.id) for name, s in screens.items()}

    set_region_default(demo["BT-PT"], playlists["city"].id)

    moved = {name for name, s in screens.items() if versions.counter(s.id) != before[name]}
    in_city = {name for name, s in screens.items() if s.region.path.startswith(demo["BT-PT"].path)}
    assert moved == in_city - {MARKET}
    assert TAN_NGHIA not in moved


def test_editing_a_region_default_playlist_moves_the_screens_that_inherit_it(playlists, screens, demo, build):
    build.default(screens[MARKET], playlists["market"])
    set_region_default(demo["BT-PT"], playlists["city"].id)
    before = {name: versions.counter(s.id) for name, s in screens.items()}

    playlists["city"].name = "Phan Thiết — mùa lễ hội"
    save_playlist(playlists["city"])

    moved = {name for name, s in screens.items() if versions.counter(s.id) != before[name]}
    assert STATION in moved and MUI_NE in moved
    assert MARKET not in moved and TAN_NGHIA not in moved


def test_a_playlist_that_is_a_region_default_is_in_use(playlists, demo):
    set_region_default(demo["BT-HT"], playlists["province"].id)
    assert playlist_in_use(playlists["province"].id)
    set_region_default(demo["BT-HT"], None)
    db.session.expire_all()
    assert not playlist_in_use(playlists["province"].id)

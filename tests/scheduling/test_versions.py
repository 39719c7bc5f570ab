"""Every change path moves the manifest version of exactly the affected screens, and no other."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from flask import current_app

from scheduling import versions
from signage.extensions import db
from signage.models import ScreenGroup
from signage.redis_client import get_redis
from signage.signals import content_changed, screen_group_changed, screens_changed
from tests.scheduling.conftest import local, manifest_of

NOW = local(2026, 12, 1, 8, 0)
STATION, RAIL, MARKET = "Bến xe Phan Thiết", "Ga Phan Thiết", "Chợ Phan Thiết"
TAN_NGHIA = "Trung tâm thị trấn Tân Nghĩa"


@pytest.fixture
def world(build, content, screens):
    """Station and rail station play 'Main' (slides 1, 2); the market plays 'Market' (slide 3) by default."""
    for i in (1, 2, 3, 4):
        content.add("slide", i)
    main = build.playlist("Main", [("slide", 1), ("slide", 2)])
    market = build.playlist("Market", [("slide", 3)])
    entry = build.entry(main, [("screen", screens[STATION].id), ("screen", screens[RAIL].id)], priority=60)
    build.default(screens[MARKET], market)
    return {"main": main, "market": market, "entry": entry}


@pytest.fixture
def snapshot(screens):
    """`snapshot()` → {screen name: current version counter}; compare two to see who moved."""

    def _snap():
        return {name: versions.counter(s.id) for name, s in screens.items()}

    return _snap


def moved(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def test_editing_an_entry_moves_its_screens_only(world, snapshot):
    from scheduling.service import save_entry

    before = snapshot()
    world["entry"].priority = 70
    save_entry(world["entry"])
    assert moved(before, snapshot()) == {STATION, RAIL}


def test_retargeting_an_entry_moves_old_and_new_screens(world, snapshot, screens):
    from scheduling.service import save_entry

    before = snapshot()
    save_entry(world["entry"], [("screen", screens[RAIL].id), ("screen", screens[TAN_NGHIA].id)])
    assert moved(before, snapshot()) == {STATION, RAIL, TAN_NGHIA}


def test_deleting_an_entry_moves_its_screens(world, snapshot):
    from scheduling.service import delete_entry

    before = snapshot()
    delete_entry(world["entry"])
    assert moved(before, snapshot()) == {STATION, RAIL}


def test_moving_an_entry_into_the_past_moves_its_screens(world, snapshot, screens):
    from scheduling.service import save_entry

    before = snapshot()
    world["entry"].start_date, world["entry"].end_date = date(2025, 1, 1), date(2025, 1, 31)
    save_entry(world["entry"])
    assert moved(before, snapshot()) == {STATION, RAIL}
    assert all(s["entry_id"] is None for s in manifest_of(screens[STATION].id, NOW)["timeline"])


def test_editing_a_playlist_moves_screens_that_schedule_it_or_default_to_it(world, snapshot, build, screens):
    from scheduling.models import PlaylistItem
    from scheduling.service import playlist_changed

    build.default(screens[TAN_NGHIA], world["main"])
    before = snapshot()
    world["main"].items.append(PlaylistItem(position=5, item_type="slide", item_id=4))
    db.session.commit()
    playlist_changed(world["main"])
    assert moved(before, snapshot()) == {STATION, RAIL, TAN_NGHIA}


def test_editing_a_nested_playlist_moves_screens_of_every_playlist_that_nests_it(world, snapshot, build):
    from scheduling.models import PlaylistItem
    from scheduling.service import playlist_changed, save_playlist

    inner = build.playlist("Inner", [("slide", 4)])
    world["main"].items.append(PlaylistItem(position=9, item_type="playlist", item_id=inner.id))
    save_playlist(world["main"])
    before = snapshot()
    inner.items[0].duration_s = 20
    db.session.commit()
    playlist_changed(inner)
    assert moved(before, snapshot()) == {STATION, RAIL}


@pytest.mark.parametrize("why", ["approved", "rejected", "media replaced", "deleted"])
def test_content_changes_move_screens_whose_timeline_contains_the_item(world, snapshot, content, why):
    before = snapshot()
    content.items[("slide", 2)]["revision"] += 1
    content_changed.send(current_app._get_current_object(), item_type="slide", item_id=2)
    assert moved(before, snapshot()) == {STATION, RAIL}
    before = snapshot()
    content_changed.send(current_app._get_current_object(), item_type="slide", item_id=3)
    assert moved(before, snapshot()) == {MARKET}


def test_content_change_of_an_unscheduled_item_moves_nothing(world, snapshot):
    before = snapshot()
    content_changed.send(current_app._get_current_object(), item_type="slide", item_id=999)
    assert moved(before, snapshot()) == set()


def test_screen_edits_move_that_screen(world, snapshot, screens):
    before = snapshot()
    screens_changed.send(current_app._get_current_object(), screen_ids=[screens[TAN_NGHIA].id])
    assert moved(before, snapshot()) == {TAN_NGHIA}


def test_group_change_moves_its_screens_when_an_entry_targets_the_group(world, snapshot, build, screens, demo):
    group = ScreenGroup(name="Pilot", region_id=demo["BT"].id, members=[screens[MARKET]])
    db.session.add(group)
    db.session.commit()
    sender = current_app._get_current_object()
    before = snapshot()
    screen_group_changed.send(sender, group_id=group.id, screen_ids=[screens[MARKET].id, screens[TAN_NGHIA].id])
    assert moved(before, snapshot()) == set()  # nothing scheduled on the group: no manifest changes

    build.entry(world["main"], [("group", group.id)])
    before = snapshot()
    screen_group_changed.send(sender, group_id=group.id, screen_ids=[screens[MARKET].id, screens[TAN_NGHIA].id])
    assert moved(before, snapshot()) == {MARKET, TAN_NGHIA}


def test_group_membership_edit_through_the_ui_reaches_the_new_member(world, build, screens, demo, login):
    group = ScreenGroup(name="Pilot", region_id=demo["BT"].id, members=[screens[MARKET]])
    db.session.add(group)
    db.session.commit()
    entry = build.entry(world["main"], [("group", group.id)], priority=90)
    version_before = versions.counter(screens[TAN_NGHIA].id)
    admin = login("admin")
    response = admin.post_form(f"/groups/{group.id}/edit", {
        "name": "Pilot", "region_id": demo["BT"].id, "members": [screens[MARKET].id, screens[TAN_NGHIA].id],
        "rule_tags": "", "rule_region_id": 0,
    })
    assert response.status_code == 302
    assert versions.counter(screens[TAN_NGHIA].id) != version_before
    assert {s["entry_id"] for s in manifest_of(screens[TAN_NGHIA].id, NOW)["timeline"]} == {entry.id}


def test_changing_a_default_playlist_moves_that_screen(world, snapshot, build, screens):
    before = snapshot()
    build.default(screens[TAN_NGHIA], world["market"])
    assert moved(before, snapshot()) == {TAN_NGHIA}


def test_the_etag_moves_once_a_day_so_recurring_entries_enter_the_window(world, build, screens):
    """A weekly entry beyond the 48 h window reaches the screen after the daily epoch, with no bump."""
    screen = screens[STATION]
    fridays = build.entry(world["main"], [("screen", screen.id)], days=1 << 4, priority=99, name="Friday")
    with time_machine.travel(NOW, tick=False):
        first, tag = manifest_of(screen.id), versions.etag(screen.id, versions.counter(screen.id), NOW.timestamp())
        assert fridays.id not in {s["entry_id"] for s in first["timeline"]}  # Friday is 3 days away
    counter = versions.counter(screen.id)
    later = NOW + timedelta(days=1, hours=12)
    assert versions.etag(screen.id, counter, later.timestamp()) != tag
    assert fridays.id in {s["entry_id"] for s in manifest_of(screen.id, later)["timeline"]}
    assert versions.counter(screen.id) == counter  # the counter itself did not move


def test_versions_survive_a_redis_flush_without_reusing_an_old_counter(world, screens):
    old = versions.counter(screens[STATION].id)
    get_redis().flushall()
    assert versions.counter(screens[STATION].id) != old

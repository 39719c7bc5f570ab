"""The manifest a player gets: a 48-hour timeline with absolute times, assets, tickers and a fallback."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine

from tests.scheduling.conftest import local, manifest_of

NOW = local(2026, 12, 1, 8, 0)  # a Tuesday morning in Phan Thiết
STATION = "Bến xe Phan Thiết"


def test_manifest_has_the_contract_fields_and_local_times(build, content, screens):
    content.add("slide", 1).add("slide", 2)
    screen = screens[STATION]
    build.default(screen, build.playlist("Default", [("slide", 1, 8)]))
    m = manifest_of(screen.id, NOW)
    assert set(m) >= {"version", "screen", "server_time", "server_time_ms", "timezone", "poll_interval_s",
                      "valid_from", "valid_until", "timeline", "fallback", "tickers", "assets", "player_version",
                      "alerts_url"}
    assert m["screen"] == {"id": screen.id, "name": STATION, "kind": "lcd", "width": 1920, "height": 1080,
                           "orientation": "landscape", "languages": ["vi"]}
    assert m["server_time"] == "2026-12-01T08:00:00+07:00" and m["timezone"] == "Asia/Ho_Chi_Minh"
    assert m["valid_until"] == "2026-12-03T08:00:00+07:00"
    assert m["server_time_ms"] == int(NOW.timestamp() * 1000)
    assert m["alerts_url"] == "/api/player/v1/alerts"


def test_gaps_are_filled_by_the_default_playlist_and_segments_tile_the_window(build, content, screens):
    content.add("slide", 1).add("slide", 2)
    screen = screens[STATION]
    build.default(screen, build.playlist("Default", [("slide", 1, 8)]))
    morning = build.playlist("Morning", [("slide", 2, 15)])
    entry = build.entry(morning, [("screen", screen.id)], daypart=("09:00", "10:00"))
    timeline = manifest_of(screen.id, NOW)["timeline"]
    plan = [(s["start"][5:16], s["end"][5:16], s["entry_id"]) for s in timeline]
    assert plan == [
        ("11-30T10:00", "12-01T09:00", None),  # the gap began when yesterday's slot ended
        ("12-01T09:00", "12-01T10:00", entry.id),
        ("12-01T10:00", "12-02T09:00", None),
        ("12-02T09:00", "12-02T10:00", entry.id),
        ("12-02T10:00", "12-03T08:00", None),
    ]
    assert all(a["end_ms"] == b["start_ms"] for a, b in zip(timeline, timeline[1:], strict=False))
    assert timeline[1]["items"][0]["item_id"] == 2 and timeline[1]["items"][0]["duration_s"] == 15


def test_a_segment_older_than_the_look_back_starts_at_the_fixed_anchor(build, content, screens):
    content.add("slide", 1)
    screen = screens[STATION]
    build.default(screen, build.playlist("Default", [("slide", 1)]))
    first = manifest_of(screen.id, NOW)["timeline"][0]
    later = manifest_of(screen.id, NOW + timedelta(hours=5, seconds=17))["timeline"][0]
    assert first["start"] == later["start"] == "2020-01-01T00:00:00+07:00"  # same phase on every screen


def test_items_carry_one_asset_per_screen_language_and_the_assets_list_has_them_all(build, content, screens):
    content.add("slide", 1, langs=("vi", "en")).add("media", 5, kind="video", duration_s=42, langs=("vi", "en", "ru"))
    screen = screens["Đồi cát Mũi Né — bãi đỗ xe"]  # vi, en, ru at 1280×720
    build.default(screen, build.playlist("Default", [("slide", 1, 10), ("media", 5)]))
    m = manifest_of(screen.id, NOW)
    slide, video = m["fallback"]["items"]
    assert set(slide["assets"]) == {"vi", "en"} and set(video["assets"]) == {"vi", "en", "ru"}
    assert "1280x720" in slide["assets"]["vi"]["url"]
    assert video["kind"] == "video" and video["duration_s"] == 42  # the video's own length
    assert {a["url"] for a in m["assets"]} == {a["url"] for i in (slide, video) for a in i["assets"].values()}


def test_only_approved_content_reaches_the_manifest(build, content, screens):
    content.add("slide", 1).add("slide", 2, approved=False)
    screen = screens[STATION]
    build.default(screen, build.playlist("Default", [("slide", 1), ("slide", 2)]))
    assert [i["item_id"] for i in manifest_of(screen.id, NOW)["fallback"]["items"]] == [1]


def test_an_entry_with_nothing_playable_yields_to_the_default(build, content, screens):
    content.add("slide", 1).add("slide", 2, approved=False)
    screen = screens[STATION]
    build.default(screen, build.playlist("Default", [("slide", 1)]))
    build.entry(build.playlist("Pending", [("slide", 2)]), [("screen", screen.id)], priority=90)
    timeline = manifest_of(screen.id, NOW)["timeline"]
    assert [s["entry_id"] for s in timeline] == [None] and timeline[0]["items"][0]["item_id"] == 1


def test_nested_playlists_are_expanded_in_place_with_stable_keys(build, content, screens):
    for i in (1, 2, 3):
        content.add("slide", i)
    screen = screens[STATION]
    inner = build.playlist("Inner", [("slide", 2), ("slide", 3)])
    outer = build.playlist("Outer", [("slide", 1), ("playlist", inner.id)])
    build.default(screen, outer)
    items = manifest_of(screen.id, NOW)["fallback"]["items"]
    assert [i["item_id"] for i in items] == [1, 2, 3]
    assert len({i["key"] for i in items}) == 3
    assert [i["key"] for i in manifest_of(screen.id, NOW + timedelta(hours=1))["fallback"]["items"]] == [
        i["key"] for i in items
    ]


def test_a_playlist_nesting_itself_does_not_loop_forever(build, content, screens):
    content.add("slide", 1)
    screen = screens[STATION]
    outer = build.playlist("Outer", [("slide", 1)])
    from scheduling.models import PlaylistItem
    from signage.extensions import db

    db.session.add(PlaylistItem(playlist_id=outer.id, position=1, item_type="playlist", item_id=outer.id))
    db.session.commit()
    build.default(screen, outer)
    assert [i["item_id"] for i in manifest_of(screen.id, NOW)["fallback"]["items"]] == [1]


def test_item_validity_splits_the_segment_where_the_item_starts_and_stops(build, content, screens):
    content.add("slide", 1).add("slide", 2)
    screen = screens[STATION]
    promo = {"valid_from": local(2026, 12, 1, 12), "valid_until": local(2026, 12, 1, 14)}
    build.default(screen, build.playlist("Default", [("slide", 1), ("slide", 2, promo)]))
    timeline = manifest_of(screen.id, NOW)["timeline"]
    plan = [(s["end"][11:16], [i["item_id"] for i in s["items"]]) for s in timeline]
    assert plan == [("12:00", [1]), ("14:00", [1, 2]), ("08:00", [1])]


def test_tickers_are_listed_with_their_scheduled_windows(build, content, screens):
    content.add("slide", 1).add("ticker", 7, texts={"vi": "Chợ đêm mở cửa"})
    screen = screens["Chợ Phan Thiết"]
    build.default(screen, build.playlist("Default", [("slide", 1)]))
    evening = build.playlist("Evening ticker", [("ticker", 7)])
    build.entry(evening, [("screen", screen.id)], daypart=("18:00", "22:00"), start=date(2026, 12, 1),
                end=date(2026, 12, 1))
    m = manifest_of(screen.id, NOW)
    [ticker] = m["tickers"]
    assert ticker["id"] == 7 and ticker["texts"] == {"vi": "Chợ đêm mở cửa"}
    assert (ticker["valid_from"], ticker["valid_until"]) == ("2026-12-01T18:00:00+07:00", "2026-12-01T22:00:00+07:00")
    evening_segment = next(s for s in m["timeline"] if s["entry_id"] is not None)
    assert all(i["item_type"] != "ticker" for s in m["timeline"] for i in s["items"])
    assert [i["item_id"] for i in evening_segment["items"]] == [1]  # the default plays under a ticker-only entry


def test_poll_interval_has_a_deterministic_per_screen_jitter(build, content, screens):
    intervals = {s.id: manifest_of(s.id, NOW)["poll_interval_s"] for s in screens.values()}
    assert all(27 <= v <= 33 for v in intervals.values())
    assert len(set(intervals.values())) > 1
    assert intervals == {s.id: manifest_of(s.id, NOW)["poll_interval_s"] for s in screens.values()}


def test_region_and_group_targets_reach_their_screens_only(build, content, screens, demo):
    content.add("slide", 1).add("slide", 2)
    from signage.extensions import db
    from signage.models import ScreenGroup

    group = ScreenGroup(name="Stations", region_id=demo["BT"].id, members=[screens[STATION], screens["Ga Phan Thiết"]])
    db.session.add(group)
    db.session.commit()
    on_group = build.entry(build.playlist("G", [("slide", 1)]), [("group", group.id)])
    on_district = build.entry(build.playlist("HT", [("slide", 2)]), [("region", demo["BT-HT"].id)])
    with time_machine.travel(NOW, tick=False):
        reached = {name: {s["entry_id"] for s in manifest_of(s.id)["timeline"]} for name, s in screens.items()}
    assert reached[STATION] == reached["Ga Phan Thiết"] == {on_group.id}
    assert reached["Trung tâm thị trấn Tân Nghĩa"] == {on_district.id}
    assert reached["Chợ Phan Thiết"] == set()


def test_a_content_change_reaches_the_next_manifest_through_the_item_cache(build, content, screens, app):
    from flask import current_app

    from signage.signals import content_changed

    content.add("slide", 1)
    screen = screens[STATION]
    build.default(screen, build.playlist("Default", [("slide", 1)]))
    before = manifest_of(screen.id, NOW)["fallback"]["items"][0]["assets"]["vi"]["url"]
    content.items[("slide", 1)]["revision"] = 2  # e.g. the media was replaced
    assert manifest_of(screen.id, NOW)["fallback"]["items"][0]["assets"]["vi"]["url"] == before  # cached
    content_changed.send(current_app._get_current_object(), item_type="slide", item_id=1)
    after = manifest_of(screen.id, NOW)["fallback"]["items"][0]["assets"]["vi"]["url"]
    assert after != before and "-r2-" in after

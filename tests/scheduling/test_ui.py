"""Operator UI: playlists, entries, the screen calendar — always inside the user's region."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select

from scheduling import versions
from scheduling.models import Playlist, ScheduleEntry
from signage.extensions import db

STATION, TAN_NGHIA = "Bến xe Phan Thiết", "Trung tâm thị trấn Tân Nghĩa"


def test_operator_builds_a_playlist_from_approved_content_only(login, content, demo):
    content.add("slide", 1, name="Lễ hội Dinh Thầy Thím").add("slide", 2, name="Bản nháp", approved=False)
    ui = login("phanthiet")
    response = ui.post_form("/schedule/playlists/new", {"name": "Sáng", "region_id": demo["BT-PT"].id},
                            token_from="/schedule/playlists/new")
    assert response.status_code == 302
    playlist = db.session.scalar(select(Playlist).where(Playlist.name == "Sáng"))
    page = ui.get(f"/schedule/playlists/{playlist.id}").get_data(as_text=True)
    assert "Lễ hội Dinh Thầy Thím" in page and "Bản nháp" not in page
    url = f"/schedule/playlists/{playlist.id}"
    assert ui.post_form(url, {"action": "add", "add-item": "slide:1", "add-duration_s": "12"}).status_code == 302
    assert ui.post_form(url, {"action": "add", "add-item": "slide:2"}).status_code == 400  # not a choice
    db.session.expire_all()
    assert [(i.item_type, i.item_id, i.duration_s) for i in playlist.items] == [("slide", 1, 12.0)]


def test_scheduling_on_a_screen_bumps_it_and_shows_in_its_calendar(login, build, content, screens, demo):
    content.add("slide", 1)
    playlist = build.playlist("Tin tức", [("slide", 1)], region=demo["BT-PT"])
    station = screens[STATION]
    before = versions.counter(station.id)
    ui = login("phanthiet")
    form = {"name": "Buổi sáng", "region_id": demo["BT-PT"].id, "playlist_id": playlist.id,
            "screens": [station.id], "start_date": "2026-11-01", "days": list(range(7)),
            "daypart_start": "22:00", "daypart_end": "02:00", "recurrence": "daily", "priority": 70,
            "enabled": "y"}
    response = ui.post_form("/schedule/entries/new", form)
    assert response.status_code == 302
    entry = db.session.scalar(select(ScheduleEntry))
    assert (entry.daypart_start, entry.daypart_end, entry.priority) == ("22:00", "02:00", 70)
    assert versions.counter(station.id) != before
    page = ui.get(f"/screens/{station.id}").get_data(as_text=True)
    calendar = page.split('id="calendar"')[1]
    assert "Buổi sáng" in calendar and "<td>22:00</td>" in calendar


def test_entry_form_rejects_half_a_day_part_and_no_target(login, build, content, demo):
    playlist = build.playlist("P", [], region=demo["BT-PT"])
    ui = login("phanthiet")
    base = {"name": "X", "region_id": demo["BT-PT"].id, "playlist_id": playlist.id, "start_date": "2026-11-01",
            "days": [0], "recurrence": "daily", "priority": 50}
    assert ui.post_form("/schedule/entries/new", dict(base, daypart_start="06:00")).status_code == 400
    assert ui.post_form("/schedule/entries/new", base).status_code == 400
    assert db.session.scalar(select(ScheduleEntry)) is None


def test_district_operator_cannot_reach_another_districts_playlists_or_screens(login, build, content, screens, demo):
    playlist = build.playlist("Phan Thiết", [], region=demo["BT-PT"])
    ui = login("hamtan")
    assert ui.get(f"/schedule/playlists/{playlist.id}").status_code == 404
    assert ui.get(f"/screens/{screens[STATION].id}").status_code == 404
    assert "Phan Thiết" not in ui.get("/schedule/playlists").get_data(as_text=True)
    own = build.playlist("Hàm Tân", [], region=demo["BT-HT"])
    form = {"name": "Lấn", "region_id": demo["BT-HT"].id, "playlist_id": own.id, "screens": [screens[STATION].id],
            "start_date": "2026-11-01", "days": [0], "recurrence": "daily", "priority": 50}
    assert ui.post_form("/schedule/entries/new", form, token_from="/schedule/entries/new").status_code in (400, 404)
    assert db.session.scalar(select(ScheduleEntry)) is None


def test_a_playlist_in_use_cannot_be_deleted(login, build, content, screens, demo):
    playlist = build.playlist("Mặc định", [], region=demo["BT-PT"])
    build.default(screens[STATION], playlist)
    ui = login("phanthiet")
    url = f"/schedule/playlists/{playlist.id}"
    ui.post_form(f"{url}/delete", {}, token_from=url)
    assert db.session.get(Playlist, playlist.id) is not None


def test_demo_schedule_gives_every_screen_a_default_and_is_idempotent(app, screens, content):
    from scheduling.demo import load_demo_schedule
    from scheduling.targeting import default_playlist_ids

    content.add("slide", 1).add("ticker", 2)
    first = load_demo_schedule({})
    assert first == {"playlists": 2, "schedule entries": 1, "default playlists": 1}  # the province's
    assert load_demo_schedule({}) == {"playlists": 0, "schedule entries": 0, "default playlists": 0}
    defaults = default_playlist_ids(screens.values())
    assert len(set(defaults.values())) == 1 and None not in defaults.values()


def test_schedule_pages_are_in_vietnamese_by_default(login):
    page = login("phanthiet").get("/schedule/").get_data(as_text=True)
    assert "Thêm lịch phát" in page and "<th>Ưu tiên</th>" in page


def test_entry_list_describes_when_each_entry_plays(login, build, content, screens, demo):
    playlist = build.playlist("Tối", [], region=demo["BT-PT"])
    build.entry(playlist, [("screen", screens[STATION].id)], name="Chợ đêm", days=0b0110000,
                daypart=("22:00", "02:00"), max_per_hour=4, region=demo["BT-PT"])
    row = login("phanthiet").get("/schedule/").get_data(as_text=True).split("Chợ đêm")[1].split("</tr>")[0]
    assert "22:00–02:00" in row and "T6" in row and "T7" in row and "T2" not in row and "4" in row


def test_a_lunar_yearly_entry_is_listed_with_its_lunar_date(login, build, content, screens, demo):
    playlist = build.playlist("Tết", [], region=demo["BT-PT"])
    entry = build.entry(playlist, [("screen", screens[STATION].id)], name="Chúc mừng năm mới",
                        start=date(2026, 2, 17), recurrence="lunar_yearly", region=demo["BT-PT"])
    ui = login("phanthiet")
    row = ui.get("/schedule/").get_data(as_text=True).split("Chúc mừng năm mới")[1]
    assert "hằng năm vào ngày 1/1 âm lịch" in row.split("</tr>")[0]
    assert "hằng năm vào ngày 1/1 âm lịch" in ui.get(f"/schedule/entries/{entry.id}").get_data(as_text=True)


def test_screen_page_shows_proof_of_play(login, build, screens, player_for, content):
    content.add("slide", 9, name="Biển Mũi Né")
    build.default(screens[STATION], build.playlist("Mặc định", [("slide", 9, 10)]))
    player = player_for(screens[STATION])
    assert player.get("/api/player/v1/manifest").status_code == 200  # plays are checked against what it got
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    player.post("/api/player/v1/plays", json={"plays": [{"id": "u1", "item_type": "slide", "item_id": 9,
                                                          "started_at": started, "duration_s": 10,
                                                          "name": "Biển Mũi Né"}]})
    page = login("phanthiet").get(f"/screens/{screens[STATION].id}").get_data(as_text=True)
    plays = page.split('id="plays"')[1].split("</section>")[0]
    assert "Biển Mũi Né" in plays and "1 lượt phát" in plays


def test_a_district_operator_sets_the_districts_default_and_its_screens_show_where_it_comes_from(
        login, build, content, screens, demo):
    content.add("slide", 1)
    playlist = build.playlist("Phan Thiết mặc định", [("slide", 1)], region=demo["BT-PT"])
    ui = login("phanthiet")
    field = f"region-{demo['BT-PT'].id}-playlist_id"
    response = ui.post_form(f"/schedule/defaults/{demo['BT-PT'].id}", {field: playlist.id},
                            token_from="/schedule/defaults")
    assert response.status_code == 303
    page = ui.get(f"/screens/{screens[STATION].id}").get_data(as_text=True)
    assert "Phan Thiết mặc định" in page and "Thành phố Phan Thiết" in page
    assert 'id="inherited-default"' in page


def test_a_district_operator_cannot_set_another_districts_default(login, build, content, demo):
    playlist = build.playlist("Của Phan Thiết", [], region=demo["BT-PT"])
    ui = login("phanthiet")
    field = f"region-{demo['BT-HT'].id}-playlist_id"
    response = ui.post_form(f"/schedule/defaults/{demo['BT-HT'].id}", {field: playlist.id},
                            token_from="/schedule/defaults")
    assert response.status_code == 403
    assert "Huyện Hàm Tân" not in ui.get("/schedule/defaults").get_data(as_text=True)

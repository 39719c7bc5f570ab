"""The calendars (issue 12): what plays when, a week or a day, per screen, group or region, drawn server-side."""

from __future__ import annotations

import re
from datetime import datetime

from scheduling.screen_calendar import shared_calendars
from signage.extensions import db
from signage.models import Region, ScreenGroup
from signage.screens_service import active_screens
from signage.timeutil import local_tz

STATION, TAN_NGHIA = "Bến xe Phan Thiết", "Trung tâm thị trấn Tân Nghĩa"


def test_a_screens_week_shows_an_evening_entry_on_each_of_its_days(login, build, content, screens, demo):
    content.add("slide", 1)
    evening = build.entry(build.playlist("Tối", [("slide", 1)]), [("screen", screens[STATION].id)],
                          name="Chương trình tối", daypart=("18:00", "22:00"))
    page = login("phanthiet").get(f"/schedule/calendar?target=screen:{screens[STATION].id}&view=week"
                                  "&date=2026-12-02").get_data(as_text=True)
    assert "Bến xe Phan Thiết" in page.split("</h1>")[0]
    svg = page.split('<svg class="calgrid"')[1].split("</svg>")[0]
    assert "T2 30/11" in svg and "CN 06/12" in svg  # the week from Monday
    blocks = re.findall(r"<title>(\d\d:\d\d)–(\d\d:\d\d) ([^<]*)</title>", svg)
    assert [(a, b) for a, b, name in blocks if name.startswith(evening.name)] == [("18:00", "22:00")] * 7


def test_the_day_view_says_why_each_segment_plays(login, build, content, screens, demo):
    content.add("slide", 1)
    build.entry(build.playlist("Sáng", [("slide", 1)]), [("screen", screens[STATION].id)],
                name="Buổi sáng", daypart=("06:00", "09:00"), priority=70)
    page = login("phanthiet").get(f"/schedule/calendar?target=screen:{screens[STATION].id}&view=day"
                                  "&date=2026-12-02").get_data(as_text=True)
    table = page.split('<table class="list calendar">')[1].split("</table>")[0]
    assert "<caption>02/12/2026</caption>" in table
    assert "<td>06:00</td><td>09:00</td>" in table and "Buổi sáng" in table


def test_a_regions_screens_that_play_alike_share_one_calendar(app, build, content, screens, demo):
    content.add("slide", 1)
    build.entry(build.playlist("Bến xe", [("slide", 1)]), [("screen", screens[STATION].id)], name="Bến xe")
    district = db.session.get(Region, demo["BT-PT"].id)
    plans = shared_calendars(active_screens(district), datetime(2026, 12, 2, tzinfo=local_tz()), 1)
    station_plan = next(p for p in plans if screens[STATION] in p["screens"])
    assert station_plan["screens"] == [screens[STATION]]
    others = [s for p in plans if p is not station_plan for s in p["screens"]]
    assert len(plans) == 2 and sorted(s.name for s in others) == sorted(
        s.name for s in active_screens(district) if s.name != STATION)


def test_a_district_cannot_see_another_districts_calendar(login, screens, demo, content):
    ui = login("hamtan")
    assert ui.get(f"/schedule/calendar?target=screen:{screens[STATION].id}").status_code == 404
    assert ui.get(f"/schedule/calendar?target=region:{demo['BT-PT'].id}").status_code in (403, 404)
    group = ScreenGroup(name="Phan Thiết", region_id=demo["BT-PT"].id)
    db.session.add(group)
    db.session.commit()
    assert ui.get(f"/schedule/calendar?target=group:{group.id}").status_code == 404
    assert ui.get(f"/schedule/calendar?target=region:{demo['BT-HT'].id}").status_code == 200

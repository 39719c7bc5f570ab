"""The blank hours page (issue 13: "blank hours, set per screen or region as a schedule"): a district operator
sees every dark period that applies in a region — set on it, inherited from the province, set below it on a
screen — adds one for the whole region without going through a screen, and removes what is theirs; another
district's region or rule, typed into the URL or a form, is refused and changes nothing."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from players import commands
from players.models import BlankHours
from signage.extensions import db
from signage.models import Region, Screen

STATION = "Bến xe Phan Thiết"


def _screen() -> Screen:
    return db.session.scalar(select(Screen).where(Screen.name == STATION))


def _region(code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


def _rule(**target) -> BlankHours:
    return commands.set_blank_hours(starts=time(23, 0), ends=time(4, 30), user_id=None, **target)


def _exists(rule_id: int) -> bool:
    """Asked of the database, not of this session's identity map (which would still hold a deleted row)."""
    return db.session.scalar(select(BlankHours.id).where(BlankHours.id == rule_id)) is not None


def _poll_blank(player) -> list[dict]:
    return player.get("/api/player/v1/alerts").get_json()["control"]["blank"]


def test_the_page_shows_inherited_own_and_below_rules_of_a_region(app, login):
    screen = _screen()
    _rule(region=_region("BT"))
    _rule(screen=screen)
    page = login("phanthiet").get(f"/players/blank-hours?region={screen.region_id}").get_data(as_text=True)
    applying = page[page.index('id="blank-applying"'):page.index('id="blank-below"')]
    below = page[page.index('id="blank-below"'):]
    assert "23:00–04:30" in applying and _region("BT").name in applying
    assert STATION in below and f"/screens/{screen.id}" in below


def test_a_district_operator_cannot_remove_the_provinces_rule_from_the_page(app, login):
    province_rule = _rule(region=_region("BT"))
    ui = login("phanthiet")
    page = ui.get("/players/blank-hours").get_data(as_text=True)
    assert f"/players/blank-hours/{province_rule.id}/delete" not in page
    response = ui.post_form(f"/players/blank-hours/{province_rule.id}/delete", {}, token_from="/players/blank-hours")
    assert response.status_code == 404
    assert _exists(province_rule.id)


def test_blank_hours_added_for_a_region_reach_its_players_and_are_listed(app, login, player_for):
    screen = _screen()
    player = player_for(screen)
    ui = login("phanthiet")
    response = ui.post_form("/players/blank-hours", {"region": screen.region_id, "blank-starts": "22:15",
                                                     "blank-ends": "05:00"}, token_from="/players/blank-hours")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/players/blank-hours?region={screen.region_id}")
    assert _poll_blank(player) == [{"starts": "22:15", "ends": "05:00"}]
    assert "22:15–05:00" in ui.get(response.headers["Location"]).get_data(as_text=True)


def test_removing_a_region_rule_from_the_page_clears_it_on_the_players(app, login, player_for):
    screen = _screen()
    player = player_for(screen)
    rule = _rule(region=db.session.get(Region, screen.region_id))
    assert _poll_blank(player) != []
    ui = login("phanthiet")
    response = ui.post_form(f"/players/blank-hours/{rule.id}/delete", {"region": screen.region_id},
                            token_from="/players/blank-hours")
    assert response.status_code == 302
    assert not _exists(rule.id)
    assert _poll_blank(player) == []


def test_a_bad_time_is_refused_with_a_message_and_nothing_saved(app, login):
    ui = login("phanthiet")
    response = ui.post_form("/players/blank-hours", {"region": _screen().region_id, "blank-starts": "25:00",
                                                     "blank-ends": "05:00"}, token_from="/players/blank-hours")
    assert response.status_code == 302
    assert "HH:MM" in ui.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(BlankHours)) is None


def test_another_districts_region_is_refused_in_the_url_and_the_form(app, login):
    other = _region("BT-PT")
    ui = login("hamtan")
    assert ui.get(f"/players/blank-hours?region={other.id}").status_code == 403
    response = ui.post_form("/players/blank-hours", {"region": other.id, "blank-starts": "22:00",
                                                     "blank-ends": "05:00"}, token_from="/players/blank-hours")
    assert response.status_code == 403
    assert db.session.scalar(select(BlankHours)) is None


def test_another_districts_rule_cannot_be_removed(app, login):
    rule = _rule(screen=_screen())
    response = login("hamtan").post_form(f"/players/blank-hours/{rule.id}/delete", {},
                                         token_from="/players/blank-hours")
    assert response.status_code == 404
    assert _exists(rule.id)


def test_the_page_is_in_the_screens_menu(app, login):
    page = login("phanthiet").get("/").get_data(as_text=True)
    assert 'href="/players/blank-hours"' in page

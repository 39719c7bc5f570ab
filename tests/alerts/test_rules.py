"""The alert rules are pure functions (alerts/rules.py): fed plain data and a frozen `now`, no app needed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from alerts.rules import (
    OnAir,
    SmsRule,
    alert_json,
    board_rows,
    cap_regions,
    cap_sends_sms,
    changed_answers,
    ends_at,
    needs_confirmation,
    next_expiry,
    screen_answers,
    shown_levels,
    sms_regions,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _alert(alert_id, level="emergency", started=NOW, expires=None):
    return alert_json(alert_id=alert_id, level=level, severity="severe", messages={"vi": f"Tin {alert_id}"},
                      started_at=started, expires_at=expires)


def test_each_screen_gets_the_alerts_that_reach_it_emergencies_first():
    storm = OnAir(_alert(1, started=NOW + timedelta(minutes=5)), frozenset({1, 2}))
    correction = OnAir(_alert(2, "correction"), frozenset({2, 3}))
    answers = screen_answers([correction, storm])
    assert set(answers) == {1, 2, 3}
    assert [a["id"] for a in json.loads(answers[2])] == [1, 2]  # the emergency first, though raised later
    assert [a["id"] for a in json.loads(answers[3])] == [2]


def test_only_the_screens_whose_answer_changed_move():
    district = OnAir(_alert(1), frozenset({1, 2}))
    before = screen_answers([district])
    after = screen_answers([district, OnAir(_alert(2), frozenset({2, 3}))])
    assert set(changed_answers(before, after)) == {2, 3}  # screen 1 keeps its version
    assert changed_answers(after, after) == {}
    assert changed_answers(after, {}) == {1: None, 2: None, 3: None}  # cancelled: nothing to show any more


def test_an_answer_carries_the_expiry_a_player_drops_it_at():
    expires = NOW + timedelta(minutes=30)
    [shown] = json.loads(screen_answers([OnAir(_alert(1, expires=expires), frozenset({7}))])[7])
    assert shown["expires_ms"] == int(expires.timestamp() * 1000) and shown["expires_at"] == expires.isoformat()
    assert next_expiry([OnAir(_alert(1, expires=expires), frozenset({7})), OnAir(_alert(2), frozenset({7}))]) \
        == shown["expires_ms"]


def test_the_glass_shows_the_highest_level_present_until_it_expires():
    now_ms = int(NOW.timestamp() * 1000)
    emergency = _alert(1, expires=NOW + timedelta(seconds=10))
    announcement = _alert(2, "announcement")
    assert [a["id"] for a in shown_levels([emergency, announcement], now_ms)] == [1]
    assert [a["id"] for a in shown_levels([emergency, announcement], now_ms + 10_000)] == [2]
    assert shown_levels([_alert(3, expires=NOW)], now_ms) == []


def test_an_alert_ends_by_itself_at_the_earlier_of_its_duration_and_its_expiry():
    assert ends_at(NOW, 1800, None) == NOW + timedelta(minutes=30)
    assert ends_at(NOW, 1800, NOW + timedelta(minutes=10)) == NOW + timedelta(minutes=10)
    assert ends_at(NOW, None, None) is None


PATHS = {1: "/1/", 2: "/1/2/", 3: "/1/3/", 21: "/1/2/21/", 22: "/1/2/22/"}


def test_sms_go_to_the_regions_of_the_targeted_screens_not_the_whole_owner_region():
    assert sms_regions([], [], [21, 22], PATHS, owner=1) == [21, 22]  # two screens in two wards
    assert sms_regions([], [2], [21], PATHS, owner=1) == [2]  # a ward inside a targeted district: once
    assert sms_regions([3], [2], [21], PATHS, owner=1) == [3]  # chosen regions win
    assert sms_regions([], [], [], PATHS, owner=1) == [1]  # no target: the owner region


def test_cap_sms_rules_the_most_specific_wins_and_without_rules_extreme_and_severe_text():
    assert cap_sends_sms("severe", ["/1/2/"], []) and not cap_sends_sms("moderate", ["/1/2/"], [])
    rules = [SmsRule("any", None, False), SmsRule("extreme", "/1/", True), SmsRule("moderate", "/1/2/", True)]
    assert cap_sends_sms("extreme", ["/1/2/"], rules)  # province rule for extreme beats "nothing anywhere"
    assert not cap_sends_sms("severe", ["/1/2/"], rules)
    assert cap_sends_sms("moderate", ["/1/2/21/"], rules)  # the district's own rule
    assert not cap_sends_sms("moderate", ["/1/2/", "/1/3/"], rules)  # reaches beyond the district: not its rule


def test_two_person_confirmation_the_nearest_region_with_a_rule_decides():
    rules = {"/1/": True, "/1/2/": False}
    assert needs_confirmation("/1/3/", rules) and not needs_confirmation("/1/2/21/", rules)
    assert not needs_confirmation("/1/3/", {})


def test_cap_areas_map_by_geocode_region_code_or_name():
    codes, names = {"BT-PT": 2, "BT-HT": 3}, {"huyện hàm tân": 3, "thành phố phan thiết": 2}
    mappings = [("geocode", "VN-48-593", 2), ("name", "Mũi Né ward", 21)]
    areas = [{"desc": "Phan Thiết coast", "geocodes": ["VN-48-593"]},
             {"desc": "Huyện  Hàm Tân", "geocodes": []},
             {"desc": "  MŨI NÉ WARD", "geocodes": ["unknown"]},
             {"desc": "Ninh Thuận", "geocodes": ["VN-58"]}]
    assert cap_regions(areas, mappings, codes, names) == [2, 3, 21]
    assert cap_regions([{"desc": "", "geocodes": ["BT-HT"]}], [], codes, names) == [3]


def test_the_board_lists_offline_then_waiting_then_acknowledged_screens():
    acks = {1: (NOW + timedelta(seconds=2.5), NOW + timedelta(seconds=2.6)), 4: (NOW + timedelta(seconds=1), NOW)}
    rows = board_rows([1, 2, 3, 4], acks, {2: True, 3: False}, NOW)
    assert [(r.screen_id, r.state) for r in rows] == [(3, "offline"), (2, "waiting"), (4, "acknowledged"),
                                                      (1, "acknowledged")]
    assert rows[-1].after_s == 2.5

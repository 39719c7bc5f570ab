"""`Campaign.schedule` has one parser (sms.schedule.Schedule), pure and fed a frozen clock; the campaign form
writes it through the same type and shows a saved schedule back when the campaign is edited."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from signage.extensions import db
from sms.models import Campaign
from sms.schedule import Schedule, ScheduleMode
from tests.sms.conftest import vn_time

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("raw", [
    {"mode": "now"},
    {"mode": "at", "at": "2026-12-20T15:00:00+07:00"},
    {"mode": "recurring", "weekdays": [0, 5], "time": "18:30"},
    {"mode": "arrival", "offset_days": 1, "time": "09:00"},
])
def test_parse_and_to_json_are_inverse(raw):
    assert Schedule.parse(raw).to_json() == raw


def test_missing_values_take_the_defaults():
    assert Schedule.parse(None) == Schedule.parse({}) == Schedule(ScheduleMode.NOW)
    recurring = Schedule.parse({"mode": "recurring"})
    assert recurring.weekdays == frozenset(range(7)) and recurring.time_of_day == time(9, 0)
    assert Schedule.parse({"mode": "arrival"}).offset_days == 0


@pytest.mark.parametrize("raw", [
    {"mode": "weekly"},
    {"mode": "at"},
    {"mode": "at", "at": "2026-12-20T15:00:00"},  # naive: which zone?
    {"mode": "recurring", "weekdays": [7]},
    {"mode": "recurring", "time": "9h"},
    {"mode": "arrival", "offset_days": -1},
])
def test_malformed_schedules_are_refused(raw):
    with pytest.raises((ValueError, KeyError)):
        Schedule.parse(raw)


def test_due_times_of_one_off_and_arrival_schedules():
    started = vn_time(18, 10)
    assert Schedule.parse({"mode": "now"}).due(started, None, VN) == started
    at = Schedule.parse({"mode": "at", "at": "2026-12-20T15:00:00+07:00"})
    assert at.due(started, None, VN) == vn_time(20, 15)
    arrival = Schedule.parse({"mode": "arrival", "offset_days": 1, "time": "09:00"})
    assert arrival.due(started, date(2026, 12, 19), VN) == vn_time(20, 9)
    assert arrival.due(started, None, VN) is None  # no arrival date: nothing to send
    assert arrival.due(started, date(2026, 12, 19), VN).tzinfo == UTC  # in the zone of `started`


def test_recurring_occurrences_follow_local_weekdays_and_time():
    saturdays = Schedule.parse({"mode": "recurring", "weekdays": [5], "time": "18:00"})
    saturday = vn_time(19, 18, 5)  # 19 Dec 2026 is a Saturday
    assert saturdays.occurrence(vn_time(19, 17, 59), VN) is None  # not yet
    assert saturdays.occurrence(saturday, VN) == ("2026-12-19", vn_time(19, 18))
    assert saturdays.occurrence(vn_time(20, 18, 5), VN) is None  # Sunday
    assert saturdays.next_occurrence(saturday, VN) == vn_time(26, 18)
    # 23:30 UTC on Friday is already Saturday in Vietnam
    friday_night_utc = datetime(2026, 12, 18, 23, 30, tzinfo=UTC)
    assert saturdays.next_occurrence(friday_night_utc, VN) == vn_time(26, 18)


def test_one_off_and_ongoing_schedules():
    assert not Schedule.parse({"mode": "now"}).ongoing and not Schedule.parse(
        {"mode": "at", "at": "2026-12-20T15:00:00+07:00"}).ongoing
    assert Schedule.parse({"mode": "recurring"}).ongoing and Schedule.parse({"mode": "arrival"}).ongoing


def _form(region_id, **extra):
    data = {"name": "Chợ đêm", "region_id": region_id, "kind": "promotional", "message_vi": "Chợ đêm thứ Bảy",
            "schedule_mode": "recurring", "weekdays": ["5", "6"], "send_time": "18:30", "offset_days": "1"}
    data.update(extra)
    return data


def test_the_form_stores_a_schedule_and_shows_it_back_when_editing(outbox_app, login, demo):
    operator = login("phanthiet")
    created = operator.post_form("/sms/campaigns/new", _form(demo["BT-PT"].id))
    assert created.status_code == 302
    cid = int(created.headers["Location"].rsplit("/", 1)[1])
    assert db.session.get(Campaign, cid).schedule == {"mode": "recurring", "weekdays": [5, 6], "time": "18:30"}
    html = operator.get(f"/sms/campaigns/{cid}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="recurring">', html)
    assert re.search(r'name="send_time"[^>]*value="18:30"', html)
    checked = re.findall(r'<option selected value="(\d)">', html[html.index('name="weekdays"'):])
    assert checked == ["5", "6"]


def test_the_form_refuses_a_time_the_schedule_cannot_read(outbox_app, login, demo):
    operator = login("phanthiet")
    refused = operator.post_form("/sms/campaigns/new", _form(demo["BT-PT"].id, send_time="9h30"))
    assert refused.status_code == 400
    assert db.session.query(Campaign).count() == 0

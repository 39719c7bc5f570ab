"""Reporting periods and deadlines: whole local days, both ends included; reminders before each deadline."""

from datetime import date

import pytest

from reports import periods
from reports.periods import PeriodError, parse_deadlines, upcoming
from signage.settings import ConfigError

RULES = parse_deadlines("quarterly=20,yearly=12-15")


def test_a_month_a_quarter_and_a_year_cover_whole_days():
    assert periods.month(2026, 2) == periods.Period("month", date(2026, 2, 1), date(2026, 2, 28))
    assert periods.quarter(2026, 3) == periods.Period("quarter", date(2026, 7, 1), date(2026, 9, 30))
    assert periods.year(2025).days == 365
    assert periods.custom(date(2026, 1, 30), date(2026, 2, 2)).days == 4


def test_the_url_names_the_period_and_gives_it_back():
    today = date(2026, 8, 14)
    assert periods.from_args({}, today) == periods.month(2026, 8)
    for p in (periods.month(2025, 12), periods.quarter(2026, 2), periods.year(2024),
              periods.custom(date(2026, 1, 1), date(2026, 3, 31))):
        assert periods.from_args(p.query(), today) == p


@pytest.mark.parametrize("args, code", [
    ({"period": "month", "month": "13"}, "bad_month"),
    ({"period": "quarter", "quarter": "5"}, "bad_quarter"),
    ({"period": "year", "year": "abc"}, "malformed"),
    ({"period": "custom", "start": "2026-02-01", "end": "2026-01-01"}, "end_before_start"),
    ({"period": "custom", "start": "2020-01-01", "end": "2026-01-01"}, "too_long"),
    ({"period": "week"}, "unknown_kind"),
])
def test_a_malformed_period_is_refused_with_a_code(args, code):
    with pytest.raises(PeriodError) as err:
        periods.from_args(args, date(2026, 1, 1))
    assert err.value.code == code


def test_long_periods_are_charted_by_month_short_ones_by_day():
    assert periods.month(2026, 1).bucket == "day"
    assert len(periods.year(2026).buckets()) == 12
    assert periods.year(2026).bucket_of(date(2026, 5, 17)) == date(2026, 5, 1)


def test_labels_read_as_an_official_would_write_them():
    assert periods.quarter(2026, 3).label("vi") == "quý III năm 2026"
    assert periods.year(2026).label("vi") == "năm 2026"
    assert periods.month(2026, 7).label("en") == "July 2026"


def test_the_quarterly_report_is_due_before_the_20th_of_the_quarters_last_month():
    due = upcoming(RULES, date(2026, 9, 10), 14)
    assert [(d.kind, d.due, d.period) for d in due] == [("quarterly", date(2026, 9, 20), periods.quarter(2026, 3))]
    assert due[0].days_left(date(2026, 9, 10)) == 10
    assert upcoming(RULES, date(2026, 9, 21), 14) == []  # passed


def test_the_yearly_report_is_due_on_15_december_and_both_can_be_due_together():
    due = upcoming(RULES, date(2026, 12, 6), 14)
    assert [(d.kind, d.due) for d in due] == [("yearly", date(2026, 12, 15)), ("quarterly", date(2026, 12, 20))]
    assert due[0].period == periods.year(2026)


def test_a_province_sets_its_own_deadlines():
    rules = parse_deadlines("monthly=5, yearly=11-15")
    assert [(d.kind, d.due) for d in upcoming(rules, date(2026, 11, 1), 7)] == [("monthly", date(2026, 11, 5))]
    assert upcoming(rules, date(2026, 11, 10), 7)[0].due == date(2026, 11, 15)


@pytest.mark.parametrize("value", ["weekly=3", "yearly=02-30", "quarterly=31"])
def test_a_bad_deadline_setting_stops_the_start_naming_the_variable(value):
    from reports.settings import SETTINGS
    from signage.settings import read_all

    with pytest.raises(ConfigError, match="REPORTS_DEADLINES"):
        read_all(SETTINGS, {}, {"REPORTS_DEADLINES": value})

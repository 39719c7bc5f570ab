"""The timeline engine: day parts, overnight windows, recurrence, priorities, max plays per hour."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.timeline import Rule, merge_same_winner, occurrences, resolve
from tests.scheduling.conftest import local

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FRIDAY = date(2026, 12, 4)


def rule(entry_id=1, priority=50, **kw) -> Rule:
    kw.setdefault("start_date", date(2026, 1, 1))
    return Rule(entry_id=entry_id, playlist_id=entry_id * 10, priority=priority, **kw)


def test_lunar_yearly_recurrence_follows_tet_across_solar_years():
    tet = rule(start_date=date(2025, 1, 29), recurrence="lunar_yearly")  # Tết Ất Tỵ
    windows = occurrences(tet, local(2026, 1, 1), local(2027, 3, 1), TZ)
    assert [w[0].date() for w in windows] == [date(2026, 2, 17), date(2027, 2, 6)]  # Tết Bính Ngọ, Đinh Mùi


def test_lunar_yearly_recurrence_skips_the_leap_month():
    first_of_sixth = rule(start_date=date(2024, 7, 6), recurrence="lunar_yearly")  # 1/6 âm lịch 2024
    windows = occurrences(first_of_sixth, local(2025, 6, 1), local(2025, 9, 1), TZ)
    assert [w[0].date() for w in windows] == [date(2025, 6, 25)]  # not 25/7: 2025's leap sixth month


def test_lunar_monthly_recurrence_plays_on_every_full_moon():
    ram = rule(start_date=date(2026, 11, 23), recurrence="lunar_monthly")  # rằm tháng Mười
    windows = occurrences(ram, local(2026, 11, 20), local(2027, 1, 1), TZ)
    assert [w[0].date() for w in windows] == [date(2026, 11, 23), date(2026, 12, 23)]


def test_overnight_day_part_runs_into_the_next_morning_and_belongs_to_the_start_day():
    fridays_only = rule(days_of_week=1 << 4, daypart_start=time(22), daypart_end=time(2))
    windows = occurrences(fridays_only, local(2026, 12, 4), local(2026, 12, 7), TZ)
    assert windows == [(local(2026, 12, 4, 22), local(2026, 12, 5, 2))]


def test_overnight_window_started_yesterday_is_seen_from_today():
    nightly = rule(daypart_start=time(22), daypart_end=time(2))
    windows = occurrences(nightly, local(2026, 12, 5, 1), local(2026, 12, 5, 12), TZ)
    assert windows == [(local(2026, 12, 5, 1), local(2026, 12, 5, 2))]


def test_date_range_bounds_are_inclusive_local_dates():
    morning = rule(start_date=FRIDAY, end_date=FRIDAY + timedelta(days=1), daypart_start=time(6), daypart_end=time(10))
    windows = occurrences(morning, local(2026, 12, 1), local(2026, 12, 10), TZ)
    assert windows == [(local(2026, 12, 4, 6), local(2026, 12, 4, 10)), (local(2026, 12, 5, 6), local(2026, 12, 5, 10))]


def test_monthly_and_yearly_recurrence_follow_the_start_date():
    monthly = rule(start_date=date(2026, 10, 15), recurrence="monthly")
    yearly = rule(start_date=date(2025, 12, 15), recurrence="yearly")
    span = (local(2026, 11, 1), local(2027, 1, 1), TZ)
    assert [w[0].date() for w in occurrences(monthly, *span)] == [date(2026, 11, 15), date(2026, 12, 15)]
    assert [w[0].date() for w in occurrences(yearly, *span)] == [date(2026, 12, 15)]


def test_higher_priority_wins_and_the_default_fills_gaps():
    base = rule(1, priority=10, daypart_start=time(8), daypart_end=time(18))
    urgent = rule(2, priority=90, daypart_start=time(12), daypart_end=time(13))
    segments = resolve([base, urgent], local(2026, 12, 4), local(2026, 12, 5), TZ)
    plan = [(s.start.hour, s.end.hour, s.rule.entry_id if s.rule else None, s.why) for s in segments]
    assert plan == [
        (0, 8, None, "default"),
        (8, 12, 1, "only entry"),
        (12, 13, 2, "higher priority"),
        (13, 18, 1, "only entry"),
        (18, 0, None, "default"),
    ]


def test_equal_priority_goes_to_the_more_specific_target_then_the_latest_change():
    region_wide = rule(1, specificity=0, changed_at=200)
    on_screen = rule(2, specificity=2, changed_at=100)
    [seg] = resolve([region_wide, on_screen], local(2026, 12, 4), local(2026, 12, 5), TZ)
    assert seg.rule.entry_id == 2 and seg.why == "more specific target (screen)"
    older, newer = rule(3, changed_at=100), rule(4, changed_at=200)
    [seg] = resolve([older, newer], local(2026, 12, 4), local(2026, 12, 5), TZ)
    assert seg.rule.entry_id == 4 and seg.why == "more recently changed"


def test_max_plays_per_hour_covers_only_the_first_cycles_of_each_hour():
    capped = rule(1, priority=90, max_plays_per_hour=2, cycle_s=300, daypart_start=time(9), daypart_end=time(11))
    segments = merge_same_winner(resolve([capped], local(2026, 12, 4, 9), local(2026, 12, 4, 11), TZ))
    plan = [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M"), s.rule and s.rule.entry_id) for s in segments]
    assert plan == [("09:00", "09:10", 1), ("09:10", "10:00", None), ("10:00", "10:10", 1), ("10:10", "11:00", None)]


def test_segments_are_sorted_contiguous_and_cover_the_whole_range():
    rules = [rule(i, priority=i * 7 % 5, daypart_start=time(i % 24), daypart_end=time((i * 5) % 24))
             for i in range(1, 12)]
    start, end = local(2026, 12, 4), local(2026, 12, 6)
    segments = resolve(rules, start, end, TZ)
    assert segments[0].start == start and segments[-1].end == end
    assert all(a.end == b.start for a, b in zip(segments, segments[1:], strict=False))

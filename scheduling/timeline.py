"""The timeline engine: which schedule entry plays on a screen when, and why. Pure functions, no I/O.

Rules, in order:
1. An entry is *active* on a local date when the date is in its range, its weekday is ticked and its
   recurrence matches (daily / the start date's day of month / the start date's day and month / the
   start date's lunar day / its lunar day and month, Vietnamese calendar, UTC+7). A lunar yearly date
   falls in the regular month, never in a leap month; a lunar day 30 is skipped in 29-day months.
2. On an active date it covers its day part (the whole day without one); a day part whose end is not
   after its start runs overnight into the next day (22:00–02:00 belongs to the day it starts on).
3. "Max plays per hour": within each clock hour the entry covers only its first N playlist cycles.
4. Where entries overlap the highest priority wins; ties go to the more specific target
   (screen > group > region), then to the most recently changed entry, then to the higher id.
5. Whatever no entry covers is filled by the screen's default playlist (entry None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lunar_vn import solar_to_lunar

SPECIFICITY_LABEL = {0: "region", 1: "group", 2: "screen"}


@dataclass(frozen=True)
class Rule:
    """What the engine needs to know about a schedule entry (built from the model by the caller)."""

    entry_id: int
    playlist_id: int
    priority: int
    start_date: date
    end_date: date | None = None
    days_of_week: int = 0b1111111
    daypart_start: time | None = None
    daypart_end: time | None = None
    recurrence: str = "daily"
    max_plays_per_hour: int | None = None
    cycle_s: float = 0.0  # one pass of the playlist, for max plays per hour
    specificity: int = 2
    changed_at: float = 0.0  # timestamp, a tie-breaker
    name: str = ""

    @property
    def rank(self) -> tuple:
        return (self.priority, self.specificity, self.changed_at, self.entry_id)


@dataclass
class Segment:
    start: datetime
    end: datetime
    rule: Rule | None  # None: the default playlist
    beaten: list[Rule] = field(default_factory=list)  # entries that also cover this time but lose

    @property
    def why(self) -> str:
        if self.rule is None:
            return "default"
        if not self.beaten:
            return "only entry"
        loser = max(self.beaten, key=lambda r: r.rank)
        if self.rule.priority != loser.priority:
            return "higher priority"
        if self.rule.specificity != loser.specificity:
            return f"more specific target ({SPECIFICITY_LABEL[self.rule.specificity]})"
        return "more recently changed"


def active_on(rule: Rule, day: date) -> bool:
    if day < rule.start_date or (rule.end_date is not None and day > rule.end_date):
        return False
    if not rule.days_of_week >> day.weekday() & 1:
        return False
    if rule.recurrence == "monthly":
        return day.day == rule.start_date.day
    if rule.recurrence == "yearly":
        return (day.month, day.day) == (rule.start_date.month, rule.start_date.day)
    if rule.recurrence in ("lunar_monthly", "lunar_yearly"):
        today, first = solar_to_lunar(day), solar_to_lunar(rule.start_date)
        if rule.recurrence == "lunar_monthly":
            return today.day == first.day
        return not today.leap and (today.month, today.day) == (first.month, first.day)
    return True


def day_window(rule: Rule, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start_t = rule.daypart_start or time(0)
    end_t = rule.daypart_end or time(0)
    start = datetime.combine(day, start_t, tzinfo=tz)
    end_day = day + timedelta(days=1) if end_t <= start_t else day
    return start, datetime.combine(end_day, end_t, tzinfo=tz)


def occurrences(rule: Rule, start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The rule's covered windows intersected with [start, end) (aware datetimes, in `tz`)."""
    windows = []
    day = start.astimezone(tz).date() - timedelta(days=1)  # yesterday's overnight part reaches into today
    last = end.astimezone(tz).date()
    while day <= last:
        if active_on(rule, day):
            w_start, w_end = day_window(rule, day, tz)
            w_start, w_end = max(w_start, start), min(w_end, end)
            if w_start < w_end:
                windows.append((w_start, w_end))
        day += timedelta(days=1)
    if rule.max_plays_per_hour:
        windows = _cap_per_hour(windows, rule.max_plays_per_hour * rule.cycle_s)
    return windows


def _cap_per_hour(windows: list[tuple[datetime, datetime]], allowed_s: float) -> list[tuple[datetime, datetime]]:
    """Keep, in each clock hour, only the first `allowed_s` seconds of coverage."""
    if allowed_s <= 0:
        return []
    capped: list[tuple[datetime, datetime]] = []
    used: dict[datetime, float] = {}
    for w_start, w_end in windows:
        cursor = w_start
        while cursor < w_end:
            hour = cursor.replace(minute=0, second=0, microsecond=0)
            piece_end = min(w_end, hour + timedelta(hours=1))
            budget = allowed_s - used.get(hour, 0.0)
            if budget > 0:
                take_end = min(piece_end, cursor + timedelta(seconds=budget))
                capped.append((cursor, take_end))
                used[hour] = used.get(hour, 0.0) + (take_end - cursor).total_seconds()
            cursor = piece_end
    return capped


def resolve(rules: list[Rule], start: datetime, end: datetime, tz: ZoneInfo) -> list[Segment]:
    """Non-overlapping, sorted segments covering [start, end); gaps are default segments (rule None)."""
    events: dict[datetime, list[tuple[int, Rule]]] = {start: [], end: []}
    for rule in rules:
        for w_start, w_end in occurrences(rule, start, end, tz):
            events.setdefault(w_start, []).append((1, rule))
            events.setdefault(w_end, []).append((-1, rule))
    active: dict[int, list] = {}  # entry_id -> [rule, open window count]
    segments: list[Segment] = []
    points = sorted(events)
    for here, following in zip(points, points[1:], strict=False):
        for delta, rule in events[here]:
            slot = active.setdefault(rule.entry_id, [rule, 0])
            slot[1] += delta
            if slot[1] <= 0:
                del active[rule.entry_id]
        covering = [slot[0] for slot in active.values()]
        winner = max(covering, key=lambda r: r.rank) if covering else None
        beaten = [r for r in covering if r is not winner]
        last = segments[-1] if segments else None
        same = last is not None and last.rule is winner and {r.entry_id for r in last.beaten} == {
            r.entry_id for r in beaten
        }
        if same:
            last.end = following
        else:
            segments.append(Segment(here, following, winner, beaten))
    return segments


def merge_same_winner(segments: list[Segment]) -> list[Segment]:
    """Join neighbours played by the same entry (the calendar keeps the `beaten` detail; the manifest not)."""
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].rule is seg.rule and merged[-1].end == seg.start:
            merged[-1] = Segment(merged[-1].start, seg.end, seg.rule, merged[-1].beaten)
        else:
            merged.append(Segment(seg.start, seg.end, seg.rule, list(seg.beaten)))
    return merged

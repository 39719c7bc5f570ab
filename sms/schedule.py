"""When a campaign sends: `Campaign.schedule` (JSON) parsed once into a typed `Schedule`. Pure functions (no
database, no Flask, no clock of their own: callers pass `now` and the local time zone).

The four modes and their JSON (what `Schedule.to_json` writes and `Schedule.parse` reads)::

    {"mode": "now"}                                             when the campaign starts
    {"mode": "at", "at": "2026-12-20T15:00:00+07:00"}           once, at that moment
    {"mode": "recurring", "weekdays": [5], "time": "18:00"}     each listed weekday (0 = Monday), local time
    {"mode": "arrival", "offset_days": 1, "time": "09:00"}      each tourist, `offset_days` after arrival

`now` and `at` are one-off: the audience is fixed at the first run and the campaign is done when its rows
are. `recurring` and `arrival` are ongoing: they never finish by running out of rows.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALL_WEEKDAYS = frozenset(range(7))
DEFAULT_TIME = time(9, 0)


class ScheduleMode(enum.StrEnum):
    NOW = "now"
    AT = "at"
    RECURRING = "recurring"
    ARRIVAL = "arrival"


def parse_hhmm(value: str) -> time:
    """"HH:MM" (24 h) → time; ValueError otherwise."""
    hh, sep, mm = (value or "").strip().partition(":")
    if not sep or not (hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(f"not a time of day (HH:MM): {value!r}")
    return time(int(hh), int(mm))


@dataclass(frozen=True)
class Schedule:
    mode: ScheduleMode = ScheduleMode.NOW
    at: datetime | None = None  # AT: an aware datetime
    weekdays: frozenset[int] = ALL_WEEKDAYS  # RECURRING: 0 = Monday
    time_of_day: time = DEFAULT_TIME  # RECURRING, ARRIVAL: local time
    offset_days: int = 0  # ARRIVAL: days after the arrival date

    def __post_init__(self) -> None:
        if self.mode is ScheduleMode.AT and (self.at is None or self.at.tzinfo is None):
            raise ValueError("a schedule 'at' needs an aware datetime")
        if not self.weekdays or not self.weekdays <= ALL_WEEKDAYS:
            raise ValueError(f"weekdays must be a non-empty subset of 0..6, not {sorted(self.weekdays)}")
        if self.offset_days < 0:
            raise ValueError("offset_days cannot be negative")

    @classmethod
    def parse(cls, raw: dict | None) -> Schedule:
        """The stored JSON → Schedule (missing keys take the defaults; an empty value means "now").
        ValueError for an unknown mode or a malformed value."""
        raw = raw or {}
        mode = ScheduleMode(raw.get("mode") or ScheduleMode.NOW)
        return cls(
            mode=mode,
            at=datetime.fromisoformat(raw["at"]) if mode is ScheduleMode.AT else None,
            weekdays=frozenset(int(d) for d in raw.get("weekdays") or ALL_WEEKDAYS),
            time_of_day=parse_hhmm(raw["time"]) if raw.get("time") else DEFAULT_TIME,
            offset_days=int(raw.get("offset_days") or 0),
        )

    def to_json(self) -> dict:
        """Only the keys of the mode (the inverse of `parse`)."""
        hhmm = self.time_of_day.strftime("%H:%M")
        if self.mode is ScheduleMode.AT:
            return {"mode": self.mode.value, "at": self.at.isoformat()}
        if self.mode is ScheduleMode.RECURRING:
            return {"mode": self.mode.value, "weekdays": sorted(self.weekdays), "time": hhmm}
        if self.mode is ScheduleMode.ARRIVAL:
            return {"mode": self.mode.value, "offset_days": self.offset_days, "time": hhmm}
        return {"mode": self.mode.value}

    @property
    def ongoing(self) -> bool:
        """Recurring and arrival campaigns keep running; one-off ones are done when their rows are."""
        return self.mode in (ScheduleMode.RECURRING, ScheduleMode.ARRIVAL)

    def due(self, started: datetime, arrival: date | None, tz: ZoneInfo) -> datetime | None:
        """When a one-off or arrival message to a contact is due (in `started`'s zone); None for an arrival
        campaign and a contact without an arrival date. Recurring messages are due at their occurrence."""
        if self.mode is ScheduleMode.AT:
            return self.at.astimezone(started.tzinfo)
        if self.mode is ScheduleMode.ARRIVAL:
            if arrival is None:
                return None
            day = arrival + timedelta(days=self.offset_days)
            return datetime.combine(day, self.time_of_day, tzinfo=tz).astimezone(started.tzinfo)
        return started

    def occurrence(self, now: datetime, tz: ZoneInfo) -> tuple[str, datetime] | None:
        """Recurring: today's occurrence (its key, the local date, and when it is due) once its time has come
        on a listed weekday; None before then or on other days."""
        local = now.astimezone(tz)
        at = datetime.combine(local.date(), self.time_of_day, tzinfo=tz)
        if local.weekday() not in self.weekdays or local < at:
            return None
        return local.date().isoformat(), at.astimezone(now.tzinfo)

    def next_occurrence(self, now: datetime, tz: ZoneInfo) -> datetime:
        """Recurring: when the next occurrence after today is due (within the coming week)."""
        today = now.astimezone(tz).date()
        day = next(today + timedelta(days=n) for n in range(1, 8)
                   if (today + timedelta(days=n)).weekday() in self.weekdays)
        return datetime.combine(day, self.time_of_day, tzinfo=tz).astimezone(now.tzinfo)

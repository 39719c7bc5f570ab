"""Reporting periods and deadlines — pure functions, no database, no clock of their own (callers pass `today`).

A `Period` is a range of whole local days, both ends inclusive: a month, a quarter, a year, or any custom
range. Deadlines come from REPORTS_DEADLINES (e.g. "quarterly=20,yearly=12-15": the quarterly report is due
on the 20th of the quarter's last month, the yearly one on 15 December of its year; "monthly=5": on the 5th
of the next month); `upcoming` lists those due within the reminder window.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("month", "quarter", "year", "custom")
MAX_CUSTOM_DAYS = 3 * 366


class PeriodError(ValueError):
    """A period that cannot be (bad numbers, end before start, too long); `code` names the problem."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day to local midnight after the last."""
        return (datetime.combine(self.start, time(0), tzinfo=tz),
                datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=tz))

    @property
    def bucket(self) -> str:
        """How a time series over this period is grouped: by day up to two months, else by month."""
        return "day" if self.days <= 62 else "month"

    def buckets(self) -> list[date]:
        if self.bucket == "day":
            return list(self.each_day())
        out, day = [], self.start.replace(day=1)
        while day <= self.end:
            out.append(day)
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out

    def bucket_of(self, day: date) -> date:
        return day if self.bucket == "day" else day.replace(day=1)

    def query(self) -> dict[str, str]:
        """URL parameters that give this period back through `from_args`."""
        if self.kind == "month":
            return {"period": "month", "year": str(self.start.year), "month": str(self.start.month)}
        if self.kind == "quarter":
            return {"period": "quarter", "year": str(self.start.year), "quarter": str(quarter_of(self.start))}
        if self.kind == "year":
            return {"period": "year", "year": str(self.start.year)}
        return {"period": "custom", "start": self.start.isoformat(), "end": self.end.isoformat()}

    def label(self, lang: str = "vi") -> str:
        if self.kind == "month":
            return f"tháng {self.start.month}/{self.start.year}" if lang == "vi" \
                else f"{calendar.month_name[self.start.month]} {self.start.year}"
        if self.kind == "quarter":
            q = quarter_of(self.start)
            return f"quý {roman(q)} năm {self.start.year}" if lang == "vi" else f"Q{q} {self.start.year}"
        if self.kind == "year":
            return f"năm {self.start.year}" if lang == "vi" else str(self.start.year)
        if lang == "vi":
            return f"từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    def previous(self) -> Period:
        if self.kind == "month":
            first = self.start - timedelta(days=1)
            return month(first.year, first.month)
        if self.kind == "quarter":
            first = self.start - timedelta(days=1)
            return quarter(first.year, quarter_of(first))
        if self.kind == "year":
            return year(self.start.year - 1)
        return custom(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def roman(n: int) -> str:
    return {1: "I", 2: "II", 3: "III", 4: "IV"}[n]


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def month(y: int, m: int) -> Period:
    if not 1 <= m <= 12 or not 2000 <= y <= 2100:
        raise PeriodError("bad_month")
    return Period("month", date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]))


def quarter(y: int, q: int) -> Period:
    if not 1 <= q <= 4 or not 2000 <= y <= 2100:
        raise PeriodError("bad_quarter")
    last = q * 3
    return Period("quarter", date(y, last - 2, 1), date(y, last, calendar.monthrange(y, last)[1]))


def year(y: int) -> Period:
    if not 2000 <= y <= 2100:
        raise PeriodError("bad_year")
    return Period("year", date(y, 1, 1), date(y, 12, 31))


def custom(start: date, end: date) -> Period:
    if end < start:
        raise PeriodError("end_before_start")
    if (end - start).days + 1 > MAX_CUSTOM_DAYS:
        raise PeriodError("too_long")
    return Period("custom", start, end)


def from_args(args: Mapping[str, str], today: date) -> Period:
    """The period URL parameters name (`period`=month|quarter|year|custom with year, month, quarter, start,
    end); the current month when none is given. Raises PeriodError for anything malformed."""
    kind = args.get("period") or "month"
    try:
        y = int(args.get("year") or today.year)
        if kind == "month":
            return month(y, int(args.get("month") or today.month))
        if kind == "quarter":
            return quarter(y, int(args.get("quarter") or quarter_of(today)))
        if kind == "year":
            return year(y)
        if kind == "custom":
            return custom(date.fromisoformat(args.get("start") or ""), date.fromisoformat(args.get("end") or ""))
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError("malformed") from exc
    raise PeriodError("unknown_kind")


# ---------------------------------------------------------------- deadlines


DEADLINE_KINDS = ("monthly", "quarterly", "yearly")


def parse_deadlines(text: str) -> tuple[tuple[str, str], ...]:
    """Check and normalise REPORTS_DEADLINES ("quarterly=20,yearly=12-15"); ValueError names the bad part."""
    rules = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        kind, _, when = part.partition("=")
        kind, when = kind.strip().lower(), when.strip()
        if kind not in DEADLINE_KINDS:
            raise ValueError(f"unknown deadline kind {kind!r} (use {', '.join(DEADLINE_KINDS)})")
        if kind == "yearly":
            mm, _, dd = when.partition("-")
            date(2024, int(mm), int(dd))  # raises for a date that does not exist
        elif not 1 <= int(when) <= 28:
            raise ValueError(f"{kind}={when}: the day must be 1–28")
        rules.append((kind, when))
    return tuple(rules)


@dataclass(frozen=True)
class Deadline:
    kind: str  # monthly | quarterly | yearly
    due: date
    period: Period  # what the report covers

    def days_left(self, today: date) -> int:
        return (self.due - today).days


def _due_dates(kind: str, when: str, around: date) -> Iterator[Deadline]:
    for y in (around.year - 1, around.year, around.year + 1):
        if kind == "yearly":
            mm, _, dd = when.partition("-")
            yield Deadline(kind, date(y, int(mm), int(dd)), year(y))
        elif kind == "quarterly":
            for q in range(1, 5):
                yield Deadline(kind, date(y, q * 3, int(when)), quarter(y, q))
        else:
            for m in range(1, 13):
                due_month = date(y, m, 1) + timedelta(days=31)
                yield Deadline(kind, date(due_month.year, due_month.month, int(when)), month(y, m))


def upcoming(rules: tuple[tuple[str, str], ...], today: date, within_days: int) -> list[Deadline]:
    """Deadlines due from `today` to `within_days` later, soonest first."""
    found = [d for kind, when in rules for d in _due_dates(kind, when, today)
             if 0 <= (d.due - today).days <= within_days]
    return sorted(found, key=lambda d: (d.due, d.kind))

"""The incident rules: pure functions, no I/O (the database and Redis are read by fleet.service).

- `resolve(defaults, overrides, path)`: the rule set of a region — the settings' defaults, overridden by
  every region on the way down from the root to it (a value left empty inherits; 0 turns a rule off).
- `evaluate(states, rules, now)`: which screens breach which rule at `now` → {(screen_id, cause): detail}.
  A screen that never reported breaches nothing (it was never installed); the diagnostics of a screen
  that is offline are old and are not judged (being offline is the incident): `judged` says which causes
  a state can confirm or clear, so a silent screen's other incidents are not closed as recovered.
- `notice(...)`: what to do about an open incident that nobody was told of yet (wait for the grace period,
  email now, leave it to the daily digest in quiet hours or within the cooldown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, time, timedelta
from typing import NamedTuple

from players.intervals import is_online, threshold_s

#: The causes of an incident, in the order a page lists them.
CAUSES = ("offline", "stale", "black", "asset_errors", "storage_low", "clock_drift")
#: Causes a technician is woken for in quiet hours.
URGENT = frozenset({"offline", "black"})
MB = 1024 * 1024


@dataclass(frozen=True)
class Rules:
    """Thresholds of one region; 0 turns a rule off (the defaults are settings: FLEET_RULE_<FIELD>)."""

    offline_min: int
    stale_min: int
    black_min: int
    asset_errors: int
    storage_min_mb: int
    clock_drift_s: int


RULE_FIELDS = tuple(f.name for f in fields(Rules))


class ScreenState(NamedTuple):
    """What the controller knows of a screen at a moment: its poll interval and the vitals of its last heartbeat
    (players.heartbeat.Vitals, the same fields in the same order after the first three; from Redis or the
    database). A tuple: the evaluation builds 10,000 of them a minute."""

    screen_id: int
    region_id: int
    poll_interval_s: int = 30
    last_seen_ms: int | None = None
    stale_since_ms: int | None = None
    free_storage: int | None = None
    #: the player's diagnostics (players.heartbeat): seconds of playing nothing, missing + corrupt assets,
    #: free storage as the browser estimates it, its clock minus the controller's
    blank_s: int | None = None
    asset_errors: int = 0
    free_storage_bytes: int | None = None
    clock_offset_ms: int | None = None


def resolve(defaults: Rules, overrides: Mapping[int, Mapping[str, int | None]], path: str) -> Rules:
    """The rules of the region at `path` ("/1/4/9/"): each region on the way down overrides what it sets."""
    rules = defaults
    for part in path.strip("/").split("/"):
        if part and int(part) in overrides:
            rules = replace(rules, **{k: v for k, v in overrides[int(part)].items()
                                      if k in RULE_FIELDS and v is not None})
    return rules


def evaluate(states: Iterable[ScreenState], rules: Mapping[int, Rules], now: datetime
             ) -> dict[tuple[int, str], dict]:
    """Every breach at `now`: {(screen_id, cause): detail}. `rules` by region id."""
    now_ms = int(now.timestamp() * 1000)
    breaches: dict[tuple[int, str], dict] = {}
    for s in states:
        if s.last_seen_ms is None:
            continue
        r = rules[s.region_id]
        if not is_online(s.last_seen_ms, now_ms, s.poll_interval_s):
            silent_min = (now_ms - s.last_seen_ms) / 60000
            if r.offline_min and silent_min > r.offline_min:
                breaches[(s.screen_id, "offline")] = {"minutes": int(silent_min)}
            continue
        if r.stale_min and s.stale_since_ms is not None:
            # a change needs two polls to reach the glass (players.heartbeat.is_stale) before it counts
            late_min = (now_ms - s.stale_since_ms - 2 * s.poll_interval_s * 1000) / 60000
            if late_min > r.stale_min:
                breaches[(s.screen_id, "stale")] = {"minutes": int(late_min)}
        if r.black_min and s.blank_s is not None and s.blank_s >= r.black_min * 60:
            breaches[(s.screen_id, "black")] = {"minutes": s.blank_s // 60}
        if r.asset_errors and s.asset_errors >= r.asset_errors:
            breaches[(s.screen_id, "asset_errors")] = {"count": s.asset_errors}
        free = s.free_storage_bytes if s.free_storage_bytes is not None else s.free_storage
        if r.storage_min_mb and free is not None and free < r.storage_min_mb * MB:
            breaches[(s.screen_id, "storage_low")] = {"free_mb": free // MB}
        if r.clock_drift_s and s.clock_offset_ms is not None and abs(s.clock_offset_ms) > r.clock_drift_s * 1000:
            breaches[(s.screen_id, "clock_drift")] = {"seconds": s.clock_offset_ms // 1000}
    return breaches


def judged(state: ScreenState, now: datetime) -> tuple[str, ...]:
    """The causes `evaluate` can tell about this screen at `now`: all of them while it reports; only
    "offline" while it is silent (its last diagnostics are old: an incident about them stays as it is,
    neither confirmed nor recovered, until the screen reports again)."""
    if state.last_seen_ms is not None and is_online(state.last_seen_ms, int(now.timestamp() * 1000),
                                                    state.poll_interval_s):
        return CAUSES
    return ("offline",)


def offline_after_s(rules: Rules, poll_interval_s: int) -> float:
    """Seconds of silence before the offline rule fires (for the page's explanation)."""
    return max(threshold_s(poll_interval_s), rules.offline_min * 60)


# ---------------------------------------------------------------- notifications


def in_hours(local: time, hours: tuple[time, time] | None) -> bool:
    """Is the local time inside `hours` (start-end, over midnight when end < start)?"""
    if hours is None:
        return False
    start, end = hours
    return start <= local < end if start <= end else (local >= start or local < end)


def notice(cause: str, opened_at: datetime, now: datetime, *, local_now: time, grace: timedelta,
           cooldown: timedelta, last_sent: datetime | None, quiet: tuple[time, time] | None) -> str:
    """What to do about an open incident nobody was emailed about yet:
    "wait" (still in its grace period), "cooldown" (an email about the same screen and cause went out within
    the cooldown), "quiet" (a non-urgent cause in quiet hours: the daily digest tells), or "send"."""
    if now < opened_at + grace:
        return "wait"
    if last_sent is not None and now < last_sent + cooldown:
        return "cooldown"
    if cause not in URGENT and in_hours(local_now, quiet):
        return "quiet"
    return "send"

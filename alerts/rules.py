"""The alert rules as pure functions: no database, no Redis, no clock of their own (callers pass `now`).

- targets: an alert's targets as scheduling's (type, id) pairs;
- what each screen shows: `screen_answers` turns the alerts on air (each with the screens it reaches) into one
  JSON answer per screen, and `changed_answers` says which screens' answers differ from before — only those
  screens' versions move, so a raise costs the same however many screens poll;
- whose phones an alert's SMS reaches (`sms_regions`): the chosen regions, else the regions of the screens it
  reaches (not the whole owner region), without a region twice;
- CAP: which of our regions a CAP area means (`cap_regions`), and whether a CAP alert goes out by SMS
  (`cap_sends_sms`, the admins' table);
- whether a region wants a second person to confirm an emergency (`needs_confirmation`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.models import LEVEL_RANK, AreaMatch, Level, Severity
from scheduling.models import TargetType

#: CAP severities that go out by SMS when no admin rule says otherwise.
DEFAULT_SMS_SEVERITIES = frozenset({Severity.EXTREME.value, Severity.SEVERE.value})
ANY = "any"


# ---------------------------------------------------------------- targets and what each screen shows


def alert_targets(region_id: int, regions: Iterable[int], screens: Iterable[int],
                  groups: Iterable[int]) -> list[tuple[TargetType, int]]:
    """The alert's targets as scheduling's (type, id) pairs; no target at all means the owner region."""
    targets = [(TargetType.REGION, rid) for rid in regions]
    targets += [(TargetType.GROUP, gid) for gid in groups]
    targets += [(TargetType.SCREEN, sid) for sid in screens]
    return targets or [(TargetType.REGION, region_id)]


def cleaned_messages(messages: Mapping[str, str]) -> dict[str, str]:
    return {lang: text.strip() for lang, text in messages.items() if text and text.strip()}


def ends_at(started_at: datetime, duration_s: int | None, expires_at: datetime | None) -> datetime | None:
    """When an alert going on air at `started_at` leaves by itself: the earlier of its duration and its
    fixed expiry (CAP <expires>); None for neither."""
    candidates = [t for t in (expires_at, started_at + timedelta(seconds=duration_s) if duration_s else None) if t]
    return min(candidates) if candidates else None


def _ms(value: datetime | None) -> int | None:
    return int(value.timestamp() * 1000) if value is not None else None


def alert_json(*, alert_id: int, level: str, severity: str, messages: Mapping[str, str], started_at: datetime,
               expires_at: datetime | None) -> dict:
    """What a player gets for one alert. `expires_ms` lets a player that lost the controller drop the alert
    on its own clock."""
    return {"id": alert_id, "level": level, "severity": severity,
            "messages": {lang: text for lang, text in messages.items() if text},
            "started_at": started_at.isoformat(), "expires_at": expires_at.isoformat() if expires_at else None,
            "expires_ms": _ms(expires_at)}


@dataclass(frozen=True)
class OnAir:
    """One alert on air and the screens it reaches (resolved once per change, not once per poll)."""

    alert: dict  # alert_json
    screens: frozenset[int]


def _order(alert: dict) -> tuple:
    return (-LEVEL_RANK.get(alert["level"], 0), alert["started_at"], alert["id"])


def screen_answers(on_air: Iterable[OnAir]) -> dict[int, str]:
    """The JSON list each screen with at least one alert shows (emergencies first, then oldest first). A screen
    missing from the result shows nothing. The player shows the highest level present and drops each alert at
    its `expires_ms`, so the lower levels are sent too: they show when an emergency expires offline."""
    items = list(on_air)
    per_screen: dict[int, tuple[int, ...]] = {}
    for index, item in enumerate(items):
        for screen_id in item.screens:
            per_screen[screen_id] = per_screen.get(screen_id, ()) + (index,)
    bodies: dict[tuple[int, ...], str] = {}  # one JSON text per combination of alerts, shared by its screens
    for combination in set(per_screen.values()):
        alerts = sorted((items[i].alert for i in combination), key=_order)
        bodies[combination] = json.dumps(alerts, ensure_ascii=False, separators=(",", ":"))
    return {sid: bodies[combination] for sid, combination in per_screen.items()}


def changed_answers(before: Mapping[int, str], after: Mapping[int, str]) -> dict[int, str | None]:
    """The screens whose answer changed, with the new answer (None: nothing to show any more)."""
    changed: dict[int, str | None] = {sid: body for sid, body in after.items() if before.get(sid) != body}
    changed.update({sid: None for sid in before if sid not in after})
    return changed


def next_expiry(on_air: Iterable[OnAir]) -> int | None:
    """The earliest `expires_ms` of the alerts on air (when the answers must change by themselves)."""
    times = [item.alert["expires_ms"] for item in on_air if item.alert.get("expires_ms")]
    return min(times) if times else None


def shown_levels(alerts: list[dict], now_ms: int) -> list[dict]:
    """What a player puts on the glass from its answer at `now_ms`: the unexpired alerts of the highest level
    present (the same rule as players/static/js/alerts.js)."""
    live = [a for a in alerts if not a.get("expires_ms") or now_ms < a["expires_ms"]]
    if not live:
        return []
    top = max(LEVEL_RANK.get(a["level"], 0) for a in live)
    return [a for a in live if LEVEL_RANK.get(a["level"], 0) == top]


# ---------------------------------------------------------------- SMS


def sms_regions(explicit: Iterable[int], target_regions: Iterable[int], screen_regions: Iterable[int],
                paths: Mapping[int, str], owner: int) -> list[int]:
    """The regions whose contacts an alert's SMS reaches: the explicitly chosen ones; else its target regions
    and the regions of the screens it reaches (an alert aimed at two screens texts their wards, not the whole
    province); else (nothing reached) its owner region. A region inside another chosen one is dropped, so
    nobody is texted twice. `paths`: region id → materialised path of every region named."""
    chosen = set(explicit) or set(target_regions) | set(screen_regions) or {owner}
    return sorted(r for r in chosen
                  if not any(o != r and paths[r].startswith(paths[o]) for o in chosen))


@dataclass(frozen=True)
class SmsRule:
    severity: str  # a Severity value or ANY
    region_path: str | None  # None: anywhere
    send_sms: bool


def cap_sends_sms(severity: str, region_paths: Iterable[str], rules: Iterable[SmsRule]) -> bool:
    """Whether a CAP alert of `severity` for the regions at `region_paths` goes out by SMS. A rule applies
    when its region contains every region of the alert (or it has none); the deepest region wins, then an
    exact severity over "any". No rule: extreme and severe do, moderate does not."""
    paths = list(region_paths)
    best: tuple[int, int] | None = None
    decision = severity in DEFAULT_SMS_SEVERITIES
    for rule in rules:
        if rule.severity not in (severity, ANY):
            continue
        if rule.region_path is not None and not (paths and all(p.startswith(rule.region_path) for p in paths)):
            continue
        rank = (rule.region_path.count("/") if rule.region_path else 0, 1 if rule.severity == severity else 0)
        if best is None or rank > best:
            best, decision = rank, rule.send_sms
    return decision


def needs_confirmation(region_path: str, two_person: Mapping[str, bool]) -> bool:
    """A region's rule for emergencies raised in the UI: the nearest region (itself, then up the tree) with a
    rule decides; no rule anywhere: no second person needed. `two_person`: region path → the rule."""
    best = None
    for path, value in two_person.items():
        if region_path.startswith(path) and (best is None or len(path) > len(best[0])):
            best = (path, value)
    return bool(best and best[1])


# ---------------------------------------------------------------- CAP areas


def normalise_area(text: str) -> str:
    return " ".join(text.casefold().split())


def cap_regions(areas: Iterable[dict], mappings: Iterable[tuple[str, str, int]],
                region_codes: Mapping[str, int], region_names: Mapping[str, int]) -> list[int]:
    """The regions a CAP message's areas mean. `areas`: [{"desc": areaDesc, "geocodes": [values]}];
    `mappings`: the admins' table as (match, value, region id); `region_codes` / `region_names`: our regions
    by code and by normalised name. Per area, in order: a mapped geocode, a geocode that is one of our region
    codes, a mapped area name, one of our region names. Areas that match nothing are left out."""
    by_geocode = {value: rid for match, value, rid in mappings if match == AreaMatch.GEOCODE.value}
    by_name = {normalise_area(value): rid for match, value, rid in mappings if match == AreaMatch.NAME.value}
    found: list[int] = []
    for area in areas:
        hits = [by_geocode.get(code) or region_codes.get(code) for code in area.get("geocodes", [])]
        hits = [h for h in hits if h]
        if not hits:
            name = normalise_area(area.get("desc") or "")
            hit = by_name.get(name) or region_names.get(name) if name else None
            hits = [hit] if hit else []
        found += [h for h in hits if h not in found]
    return found


def is_official(level: str) -> bool:
    return level in (Level.ANNOUNCEMENT.value, Level.CORRECTION.value)


# ---------------------------------------------------------------- the live board


@dataclass(frozen=True)
class ScreenRow:
    screen_id: int
    state: str  # "acknowledged" | "waiting" (online, not yet) | "offline" (not acknowledged, not reachable)
    shown_at: datetime | None
    after_s: float | None  # from going on air to the glass


def board_rows(screen_ids: Iterable[int], acks: Mapping[int, tuple[datetime, datetime]], online: Mapping[int, bool],
               started_at: datetime | None) -> list[ScreenRow]:
    """Each screen's row on an alert's live board, those that need attention first (offline, then waiting),
    then acknowledged ones by how long they took."""
    rows = []
    for sid in screen_ids:
        if sid in acks:
            shown = acks[sid][0]
            after = max(0.0, (shown - started_at).total_seconds()) if started_at else None
            rows.append(ScreenRow(sid, "acknowledged", shown, after))
        else:
            rows.append(ScreenRow(sid, "waiting" if online.get(sid) else "offline", None, None))
    order = {"offline": 0, "waiting": 1, "acknowledged": 2}
    return sorted(rows, key=lambda r: (order[r.state], r.after_s or 0.0, r.screen_id))

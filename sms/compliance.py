"""Vietnam's Decree 91/2020 rules as pure functions (no database, no clock of their own: callers pass `now`).

Promotional messages: prior consent, not suppressed, not opted out, only 07:00–22:00 local time, at most
`cap` per number per rolling 24 h, "[QC]"/"[AD]" label first, an opt-out method in the text.
Public-service and emergency messages are exempt from window, cap, consent and suppression lists, never
from an explicit opt-out of their own kind.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from signage.languages import optout_phrase


class CampaignKind(enum.StrEnum):
    PROMOTIONAL = "promotional"
    PUBLIC_SERVICE = "public_service"
    EMERGENCY = "emergency"


WINDOW_START = time(7, 0)
WINDOW_END = time(22, 0)
ROLLING = timedelta(hours=24)
DEFAULT_CAP = 3

LABEL_VI, LABEL_OTHER = "[QC]", "[AD]"



class Action(enum.StrEnum):
    SEND = "send"
    DEFER = "defer"
    SKIP = "skip"


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str = ""
    until: datetime | None = None  # for DEFER: earliest UTC time to try again


@dataclass(frozen=True)
class Recipient:
    """What the rules need to know about one number at decision time."""

    has_consent: bool
    suppressed: bool
    opted_out_kinds: frozenset[str]
    recent_promotional: tuple[datetime, ...] = ()  # UTC times of promotional sends in the last 24 h
    unreachable: bool = False  # the carrier said "unknown handset" (30005) or "landline" (30006) repeatedly


def in_window(now: datetime, tz: ZoneInfo, start: time = WINDOW_START, end: time = WINDOW_END) -> bool:
    local = now.astimezone(tz).time()
    return start <= local < end


def next_window_start(now: datetime, tz: ZoneInfo, start: time = WINDOW_START, end: time = WINDOW_END) -> datetime:
    """`now` itself when inside the window, else the next local `start` (returned in UTC)."""
    if in_window(now, tz, start, end):
        return now
    local = now.astimezone(tz)
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=tz).astimezone(now.tzinfo)


def cap_frees_at(recent: Iterable[datetime], now: datetime, cap: int = DEFAULT_CAP) -> datetime | None:
    """None when another promotional message is allowed now, else when the oldest counted one ages out."""
    window = sorted(t for t in recent if now - t < ROLLING)
    if len(window) < cap:
        return None
    return window[len(window) - cap] + ROLLING


def decide(
    kind: str,
    recipient: Recipient,
    now: datetime,
    tz: ZoneInfo,
    *,
    valid_until: datetime | None = None,
    cap: int = DEFAULT_CAP,
    start: time = WINDOW_START,
    end: time = WINDOW_END,
) -> Decision:
    """Whether a message of `kind` may go to `recipient` at `now` (UTC-aware)."""
    if kind in recipient.opted_out_kinds:
        return Decision(Action.SKIP, "opted_out")
    if valid_until is not None and now >= valid_until:
        return Decision(Action.SKIP, "expired")
    if recipient.unreachable and kind != CampaignKind.EMERGENCY:  # a warning still tries: the handset may be back
        return Decision(Action.SKIP, "unreachable")
    if kind != CampaignKind.PROMOTIONAL:
        return Decision(Action.SEND)
    if not recipient.has_consent:
        return Decision(Action.SKIP, "no_consent")
    if recipient.suppressed:
        return Decision(Action.SKIP, "suppressed")
    earliest = next_window_start(now, tz, start, end)
    reason = "" if earliest == now else "outside_window"
    frees = cap_frees_at(recipient.recent_promotional, earliest, cap)
    while frees is not None:  # the cap frees up later; that time must be inside the window too
        reason = "daily_cap"
        earliest = next_window_start(frees, tz, start, end)
        frees = cap_frees_at(recipient.recent_promotional, earliest, cap)
    if earliest == now:
        return Decision(Action.SEND)
    if valid_until is not None and earliest >= valid_until:
        return Decision(Action.SKIP, "expired")
    return Decision(Action.DEFER, reason, earliest)


def label(text: str, language: str) -> str:
    """Put "[QC]" (Vietnamese) or "[AD]" (other languages) first, unless it is already there."""
    wanted = LABEL_VI if language == "vi" else LABEL_OTHER
    body = text.lstrip()
    if body.upper().startswith(wanted):
        return wanted + body[len(wanted):]
    return f"{wanted} {body}"


def with_optout(text: str, link: str, language: str, *, instruction: str = "", method: str = "link") -> str:
    """Give the text its opt-out method: the link (`method` "link"), the keyword instruction configured by the
    province ("Soạn TC gửi BINHTHUAN", so a body can match a carrier-registered template: "keyword"), or both.
    {optout} is replaced by the method's text; a text without it gets the method appended (the language's own
    phrase before a link). Without an instruction the link is used: an opt-out method is never missing."""
    use_keyword = method in ("keyword", "both") and bool(instruction.strip())
    use_link = method != "keyword" or not use_keyword
    placeholder = " ".join(p for p, on in ((instruction.strip(), use_keyword), (link, use_link)) if on)
    if "{optout}" in text:
        return text.replace("{optout}", placeholder)
    out = text.rstrip()
    if use_keyword and instruction.strip() not in out:
        out = f"{out} {instruction.strip()}"
    if use_link and link not in out:
        out = f"{out} {optout_phrase(language)} {link}"  # the language's own (signage/languages.py), else English's
    return out


def promotional_text(text: str, language: str, optout_link: str, *, instruction: str = "",
                     method: str = "link") -> str:
    return label(with_optout(text, optout_link, language, instruction=instruction, method=method), language)


def validity_seconds(now: datetime, tz: ZoneInfo, end: time = WINDOW_END) -> int:
    """Seconds from `now` until the window closes (22:00 local): a promotional message still queued at the
    provider then must expire rather than arrive at night (Twilio's ValidityPeriod; its own cap applies
    on top). 0 outside the window."""
    local = now.astimezone(tz)
    if not in_window(now, tz, end=end):
        return 0
    closes = datetime.combine(local.date(), end, tzinfo=tz)
    return int((closes - local).total_seconds())

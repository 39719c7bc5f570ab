"""Settings of the fleet package (declared once; the app factory reads and casts them at start-up).

The FLEET_RULE_* values are the defaults of the rule set; a region (and its subtree, unless a region below
says otherwise) overrides them with `flask fleet rules` (fleet.models.FleetRule). 0 turns a rule off."""

from __future__ import annotations

from datetime import time

from signage.settings import Setting, parse_boolean


def _hours(value: str) -> tuple[time, time] | None:
    """`"22:00-06:00"` → (22:00, 06:00), over midnight when the end is before the start; empty: none."""
    text = value.strip()
    if not text:
        return None
    start, _, end = text.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


SETTINGS = (
    Setting("FLEET_RULE_OFFLINE_MIN", 10, int, "default rule: an incident when a screen is offline this many minutes"),
    Setting("FLEET_RULE_STALE_MIN", 30, int,
            "default rule: an incident when a screen plays an old manifest this many minutes"),
    Setting("FLEET_RULE_BLACK_MIN", 5, int, "default rule: an incident when a screen shows nothing this many minutes"),
    Setting("FLEET_RULE_ASSET_ERRORS", 3, int,
            "default rule: an incident when a player reports this many missing or corrupt assets"),
    Setting("FLEET_RULE_STORAGE_MIN_MB", 200, int, "default rule: an incident when a player's free storage is below"),
    Setting("FLEET_RULE_CLOCK_DRIFT_S", 120, int, "default rule: an incident when a player's clock is off by more"),
    Setting("FLEET_NOTIFY_GRACE_MIN", 5, int,
            "minutes an incident stays open before technicians are told (a blip that recovers sends nothing)"),
    Setting("FLEET_NOTIFY_COOLDOWN_MIN", 120, int,
            "no second notice (email or SMS) about the same screen and cause within this many minutes "
            "(the digest has it)"),
    Setting("FLEET_QUIET_HOURS", _hours("22:00-06:00"), _hours,
            "local hours (HH:MM-HH:MM) when only urgent causes (offline, black) are emailed or texted; the rest "
            "waits for the digest; empty: none"),
    Setting("FLEET_DIGEST_AT", time(7, 0), time.fromisoformat, "local time of the technicians' daily digest email"),
    Setting("SMTP_HOST", "", help="SMTP server for the technicians' emails; empty: no email is sent"),
    Setting("SMTP_PORT", 587, int, "SMTP port"),
    Setting("SMTP_USER", "", help="SMTP user name; empty: no login"),
    Setting("SMTP_PASSWORD", "", help="SMTP password"),
    Setting("SMTP_TLS", True, parse_boolean, "STARTTLS before sending (on/off)"),
    Setting("SMTP_FROM", "signage@localhost", help="sender address of the technicians' emails"),
    Setting("SMTP_TIMEOUT_S", 20, int, "seconds before an SMTP connection or command gives up"),
)

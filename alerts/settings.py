"""Settings of emergency alerts (declared once; the app factory reads and casts them at start-up)."""

from __future__ import annotations

from signage.settings import Setting


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError("must be more than 0")
    return number


SETTINGS = (
    Setting("ALERTS_CAP_TOKEN", "", help="bearer token for POST /api/alerts/cap; empty: CAP push is off"),
    Setting("ALERTS_CAP_REGION", "", help="code of the region owning alerts that arrive by CAP; empty: the root"),
    Setting("ALERTS_CAP_FEED_URL", "", help="Atom/RSS feed of CAP messages polled by the workers; empty: off"),
    Setting("ALERTS_CAP_FEED_INTERVAL_S", 60.0, _positive, "seconds between two reads of the CAP feed"),
    Setting("ALERTS_ANNOUNCEMENT_MINUTES", 30, int,
            "default time an urgent announcement or correction stays on air (the form's initial value)"),
)

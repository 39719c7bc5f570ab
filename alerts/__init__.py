"""Alerts: a message per language that takes over the targeted screens (and, when it says so, phones) — an
emergency (red, at once) or an urgent official announcement or correction ("cải chính": official styling,
after a second person's approval, for a set time). Raised by operators (`alerts.views`), pushed by a CAP 1.2
system or polled from a CAP feed (`alerts.cap`, `alerts.feed`); the state and its rules are `alerts.service`
and `alerts.rules`, the tables `alerts.models`, players' acknowledgements `alerts.acks`, the jobs `alerts.jobs`.

Layering: `alerts` builds on `signage` (core) and `scheduling` (which screens a target reaches). It
never imports `sms` (it announces `alert_raised` / `alert_updated` / `alert_cancelled` through
`signage.signals`, and the SMS package subscribes) nor `players` (the players' endpoints live in
`players.alerts` and ask `alerts.service` for what a screen shows). The live board of an alert shows what
those packages add to it through `signage.registry.add_panel(app, "alert", panel)`: the players' screens
(acknowledged / not yet / offline) and the SMS progress.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Models, the signal handlers that keep the screens right, the jobs, the operator UI and the CAP endpoint."""
    from alerts import cap, jobs, models, service, views  # noqa: F401  (models: tables known to the metadata)

    service.connect_signals(app)
    jobs.init_app(app)
    views.init_app(app)
    cap.init_app(app)

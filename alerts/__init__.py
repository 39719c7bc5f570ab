"""Emergency alerts: a message per language that takes over the targeted screens (and, when asked, phones)
until cancelled. Raised by operators (`alerts.views`) or by a CAP 1.2 feed (`alerts.cap`); the state and its
rules are `alerts.service`; the tables `alerts.models`.

Layering: `alerts` builds on `signage` (core) and `scheduling` (which screens a target reaches). It
never imports `sms` (it announces `alert_raised` / `alert_updated` / `alert_cancelled` through
`signage.signals`, and the SMS package subscribes) nor `players` (the players' poll endpoint lives in
`players.alerts` and asks `alerts.service` for what a screen shows).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Models, the signal handlers that keep the alert version right, the operator UI and the CAP endpoint."""
    from alerts import cap, models, service, views  # noqa: F401  (models: tables known to the metadata)

    service.connect_signals(app)
    views.init_app(app)
    cap.init_app(app)

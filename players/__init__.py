"""The browser player (HTML/JS/CSS, service worker) and everything it calls: pairing, manifest, heartbeat
(with diagnostics), proof of play (checked against the manifests served), the emergency-alert poll (which
also carries remote commands and blank hours; pushed over server-sent events through nginx + nchan where set
up: players.push) and captures of the glass. Alerts themselves (raising, targeting, CAP, the operator UI) are
the `alerts` package; `players` only asks it what a screen shows."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the player API (pairing, manifest, heartbeat, plays, alert poll) and the player page."""
    from players import alerts, api, captures, cli, health_views, page, push, sweep, views

    api.init_app(app)
    alerts.init_app(app)
    page.init_app(app)
    views.init_app(app)  # operator side: pairing, screen status, the screen page's player panel
    sweep.init_app(app)  # a starting worker plans the offline sweeper (online/offline history)
    captures.init_app(app)  # ... and the clean-up of old captures and unanswered commands
    health_views.init_app(app)  # operator side: captures, remote commands, blank hours
    push.init_app(app)  # alerts and commands pushed to the players (server-sent events through nginx + nchan)
    cli.init_app(app)  # flask players push-proxy

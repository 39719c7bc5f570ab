"""The browser player (HTML/JS/CSS, service worker), its API and emergency alerts."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the player API (pairing, manifest, heartbeat, plays) and the player page with alerts."""
    from players import api, page

    api.init_app(app)
    page.init_app(app)

"""Playlists, schedules, day parts, priorities and the per-screen timeline."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Models, the signal handlers that keep manifest versions right, the operator UI."""
    from scheduling import models, service, views  # noqa: F401  (models: tables on the metadata)
    from scheduling.demo import load_demo_schedule
    from signage.registry import add_demo_loader

    service.connect_signals(app)
    views.init_app(app)
    add_demo_loader(app, load_demo_schedule)  # after content's: the demo schedule plays the demo content

"""Playlists, schedules, day parts, priorities and the per-screen timeline."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Models, the signal handlers that keep manifest versions right, the operator UI."""
    from signage.scheduling import models, service  # noqa: F401  (tables registered on the metadata)

    service.connect_signals(app)
    import importlib.util

    if importlib.util.find_spec("signage.scheduling.views") is not None:
        from signage.scheduling import views

        views.init_app(app)

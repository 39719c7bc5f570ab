"""The browser player (HTML/JS/CSS, service worker) and the player API blueprint."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the player API (`players.api`) and the player page (`players.page`) when present."""
    import importlib

    for name in ("players.api", "players.page"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.init_app(app)

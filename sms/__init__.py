"""The `sms` package; `init_app` wires its blueprints, CLI commands and navigation into the app."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing registered yet."""

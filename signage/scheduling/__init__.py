"""Playlists, schedules, day parts, priorities and the per-screen timeline."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing registered yet."""

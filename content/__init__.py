"""The `content` package: media library, slide composer (Pillow + QR), tickers, approval.

`init_app` wires its models, blueprints, CLI commands, navigation, approvers' queue and demo loader.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from content import models  # noqa: F401  (tables known to the metadata / migrations)

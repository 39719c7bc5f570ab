"""Translated labels for stored codes ("draft", "promotional", ...), shared by every package's templates:
`{{ campaign.kind|label("campaign_kind") }}`. Unknown codes are shown as they are."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

KEY = "signage_labels"


def register_labels(app: Flask, group: str, pairs: Iterable[tuple[str, object]]) -> None:
    app.extensions.setdefault(KEY, {}).setdefault(group, {}).update(dict(pairs))


def label(value: str | None, group: str) -> str:
    if value is None:
        return ""
    return str(current_app.extensions.get(KEY, {}).get(group, {}).get(value, value))


def init_app(app: Flask) -> None:
    app.add_template_filter(label, "label")
    register_labels(app, "approval", [
        ("draft", _l("Draft")), ("submitted", _l("Waiting for approval")), ("approved", _l("Approved")),
        ("rejected", _l("Rejected")),
    ])

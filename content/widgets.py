"""Dashboard widget: content in the user's region at a glance."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from content.models import Media, Slide, Ticker
from signage.extensions import db
from signage.scoping import scoped_select


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def dashboard_widget() -> tuple[str, Markup]:
    rows = [
        (_("Slides on air"), _count(scoped_select(Slide).where(Slide.on_air_version.is_not(None))),
         url_for("content_slides.index")),
        (_("Slides waiting for approval"), _count(scoped_select(Slide).where(Slide.approval_state == "submitted")),
         url_for("content_slides.index", state="submitted")),
        (_("Tickers on air"), _count(scoped_select(Ticker).where(Ticker.on_air_version.is_not(None))),
         url_for("content_tickers.index")),
        (_("Media items"), _count(scoped_select(Media)), url_for("content_media.index")),
    ]
    items = "".join(f'<li><a href="{escape(url)}">{escape(label)}</a>: <strong>{n}</strong></li>'
                    for label, n, url in rows)
    return _("Content"), Markup(f'<ul class="content-widget">{items}</ul>')

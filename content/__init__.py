"""The `content` package: media library, slide composer (Pillow + QR), tickers, approval.

`init_app` wires its models, blueprints, CLI commands, navigation, approvers' queue, dashboard widget and
demo loader, after checking that an installed font draws every configured language (`CONTENT_LANGUAGES`).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from PIL import Image

    from content import cli, fonts, models, render_gc  # noqa: F401  (tables known to the metadata / migrations)
    from content.demo import load_demo_content
    from content.views import media, public, slides, tickers
    from content.widgets import dashboard_widget
    from signage.approval import register_queue
    from signage.languages import KNOWN
    from signage.registry import add_demo_loader, add_nav, add_panel
    from signage.settings import ConfigError

    problems = fonts.language_problems(KNOWN[code] for code in app.config["CONTENT_LANGUAGES"])
    if problems:
        raise ConfigError("CONTENT_LANGUAGES names a language this machine cannot draw: " + "; ".join(problems)
                          + ". Install the package, or leave the language out of CONTENT_LANGUAGES.")
    Image.MAX_IMAGE_PIXELS = app.config["MEDIA_MAX_PIXELS"]

    for bp in (public.bp, media.bp, slides.bp, tickers.bp):
        app.register_blueprint(bp)
    add_nav(app, "content_media.index", _l("Media"), group="content")
    add_nav(app, "content_slides.index", _l("Slides"), group="content")
    add_nav(app, "content_tickers.index", _l("Tickers"), group="content")
    register_queue(app, media.queue_items)
    register_queue(app, slides.queue_items)
    register_queue(app, tickers.queue_items)
    add_panel(app, "dashboard", dashboard_widget)
    add_demo_loader(app, load_demo_content)
    cli.init_app(app)
    render_gc.init_app(app)  # the daily render garbage collection, on the RQ scheduler of `flask worker`

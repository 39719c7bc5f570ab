"""The browser player page (`/play/`), its service worker and static files.

The kiosk opens `/play` (permanently redirected, cacheably, to `/play/`, the service worker's scope). The
page and scripts carry `player_version()` (players/version.py): the manifest announces the version the
server runs, and a player that sees a different one reloads itself.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from players.version import player_version
from signage import security

HERE = Path(__file__).resolve().parent
#: Files the service worker pre-caches so the page starts offline (relative to /play/static/).
SHELL_FILES = (
    "player.css", "overlays.css", "js/main.js", "js/clock.js", "js/timeline.js", "js/store.js", "js/net.js",
    "js/stage.js", "js/ticker.js", "js/alerts.js", "js/assets.js", "js/util.js", "js/control.js", "js/capture.js",
    "js/push.js",
)

bp = Blueprint(
    "player", __name__, static_folder="static", static_url_path="/play/static", template_folder="templates"
)


def _texts() -> dict:
    """Pairing-screen texts in Vietnamese and English (the screen shows both, whatever the UI locale)."""
    texts = {}
    for lang in ("vi", "en"):
        with force_locale(lang):
            texts[lang] = {
                "title": _("Pair this screen"),
                "howto": _("Sign in to the controller, open this screen's page and enter the code."),
                "waiting": _("Waiting for an operator…"),
                "offline": _("Cannot reach the controller. Retrying…"),
                "expired": _("The code expired. Getting a new one…"),
            }
    return texts


@bp.get("/play")
def play_redirect():
    """Permanent and cacheable, so a kiosk restarted while the controller is down still reaches /play/."""
    query = request.query_string.decode()
    response = redirect("/play/" + (f"?{query}" if query else ""), code=301)
    response.headers["Cache-Control"] = "public, max-age=31536000"
    return response


@bp.get("/play/")
def play():
    response = Response(render_template(
        "player/index.html", version=player_version(), texts=_texts(),
        shell=[f"/play/static/{name}" for name in SHELL_FILES],
    ))
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    origin = push_origin(current_app.config["PLAYER_PUSH_SUBSCRIBE_URL"])
    if origin:  # the players' server-sent events come from another address (players.push): let the page open them
        policy = dict(security.POLICY, **{"connect-src": f"{security.POLICY['connect-src']} {origin}"})
        response.headers["Content-Security-Policy"] = "; ".join(f"{k} {v}" for k, v in policy.items())
    return response


def push_origin(subscribe_url: str) -> str | None:
    """The origin of an absolute PLAYER_PUSH_SUBSCRIBE_URL (None for a path on the page's own address)."""
    parts = urlsplit(subscribe_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


@bp.get("/play/sw.js")
def service_worker():
    body = render_template(
        "player/sw.js", version=player_version(),
        shell=["/play/", *(f"/play/static/{name}" for name in SHELL_FILES)],
    )
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/play/"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

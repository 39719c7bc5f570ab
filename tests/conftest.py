"""Shared fixtures: a real Redis server, SQLite or PostgreSQL (`--postgres`), the app, demo data,
logged-in clients, a gunicorn controller process, RQ worker processes and headless Chromium.

Package-specific fixtures live in `tests/<package>/conftest.py`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from signage.config import DEFAULT_DEMO_DATA
from signage.embedded_redis import start_redis
from tests.servers import ControllerProcess, PostgresServer, WorkerProcess

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_DATA = DEFAULT_DEMO_DATA
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def pytest_addoption(parser):
    parser.addoption("--postgres", action="store_true", help="run against a real PostgreSQL server")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives real headless Chromium (Playwright)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


# ---------------------------------------------------------------- servers


@pytest.fixture(scope="session")
def services_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("services")


@pytest.fixture(scope="session")
def redis_url(services_dir):
    socket_path = services_dir / "redis.sock"
    proc = start_redis(socket_path, persist=False)
    yield f"unix://{socket_path}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def database_url(request, services_dir):
    if request.config.getoption("--postgres") or os.environ.get("TEST_POSTGRES") == "1":
        # pytest's tmp dirs are private to root; the postgres OS user needs its own directory.
        base = Path(tempfile.mkdtemp(prefix="signage-pg-"))
        server = PostgresServer(base)
        url = server.start()
        yield url
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
    else:
        yield f"sqlite:///{services_dir / 'signage-test.db'}"


@pytest.fixture
def scratch_url(app, database_url, tmp_path):
    """An empty database beside the test one (SQLite file, or a new PostgreSQL database on the same server)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield database_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def service_env(database_url, redis_url, services_dir) -> dict[str, str]:
    """Environment that points a child process (gunicorn, worker) at the test database and Redis."""
    instance = services_dir / "instance"
    instance.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SIGNAGE_INSTANCE=str(instance),
        MEDIA_ROOT=str(instance / "media"),
        SECRET_KEY="test-secret",
        DEMO_DATA=str(DEMO_DATA),
        FLASK_APP="wsgi",
        LOGIN_RATE_LIMIT="1000 per minute",
    )
    return env


# ---------------------------------------------------------------- app and database


@pytest.fixture(scope="session")
def app(service_env):
    for key in ("DATABASE_URL", "REDIS_URL", "SIGNAGE_INSTANCE", "MEDIA_ROOT", "SECRET_KEY", "DEMO_DATA"):
        os.environ[key] = service_env[key]
    from flask_migrate import upgrade

    from signage import create_app

    app = create_app(
        {"TESTING": True, "LOGIN_RATE_LIMIT": "1000 per minute", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    with app.app_context():
        upgrade(revision="heads")
    return app


def _reset_database(db) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # DELETE, not TRUNCATE: a TRUNCATE of ~60 tables costs ~0.35 s (new files for every table), a DELETE
            # of the few rows a test leaves ~15 ms; foreign-key triggers are off for it, and every sequence
            # restarts at 1 as TRUNCATE … RESTART IDENTITY did
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n"
                              " ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
        else:
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Every test starts with empty tables and an empty Redis (only when it uses the app)."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    from signage.extensions import db
    from signage.redis_client import get_redis

    with app.app_context():
        db.session.remove()
        _reset_database(db)
        get_redis().flushall()
    yield
    with app.app_context():
        db.session.remove()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def db_session(app_ctx):
    from signage.extensions import db

    return db.session


@pytest.fixture
def demo(app_ctx):
    """The demo province loaded (regions, 8 screens, demo accounts); returns regions by code."""
    from sqlalchemy import select

    from signage.demo import load_demo
    from signage.extensions import db
    from signage.models import Region

    load_demo(DEMO_DATA)
    return {r.code: r for r in db.session.scalars(select(Region))}


# ---------------------------------------------------------------- clients


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1) or match.group(2)


class Client:
    """A test client that signs in through the real form and posts forms with their CSRF token.

    Each request runs in its own app context, as under a real server (a test that holds an app context
    open would otherwise share `g` and the database session with every request it makes).
    """

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def request(self, method: str, *args, **kwargs):
        with self.app.app_context():
            return self.http.open(*args, method=method, **kwargs)

    def get(self, *args, **kwargs):
        return self.request("GET", *args, **kwargs)

    def post(self, *args, **kwargs):
        return self.request("POST", *args, **kwargs)

    def post_form(self, url: str, data: dict, *, token_from: str | None = None, **kwargs):
        page = self.get(token_from or url)
        data = dict(data, csrf_token=csrf_token(page.get_data(as_text=True)))
        return self.post(url, data=data, **kwargs)

    def login(self, username: str, password: str = "demo-2026"):
        response = self.post_form("/login", {"username": username, "password": password})
        assert response.status_code == 302, f"login as {username} failed ({response.status_code})"
        return response


@pytest.fixture
def client(app):
    return Client(app)


@pytest.fixture
def login(app, demo):
    """`login("phanthiet")` → a Client signed in as that demo account."""

    def _login(username: str) -> Client:
        c = Client(app)
        c.login(username)
        return c

    return _login


# ---------------------------------------------------------------- processes


@pytest.fixture
def controller(app, service_env):
    """The controller served by gunicorn in its own process (shares the test database and Redis)."""
    server = ControllerProcess(service_env).start()
    yield server
    server.stop()


@pytest.fixture
def worker_factory(app, service_env):
    started: list[WorkerProcess] = []

    def _start(burst: bool = False, **env) -> WorkerProcess:
        worker = WorkerProcess(dict(service_env, **env), burst=burst).start()
        started.append(worker)
        return worker

    yield _start
    for worker in started:
        worker.stop()


# ---------------------------------------------------------------- browser


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def midday_zone() -> str:
    """A zone where it is about noon now: the workers run on the real clock, and promotional SMS go out only
    between 07:00 and 22:00 local time."""
    offset = 12 - datetime.now(UTC).hour
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" + (f"+{-offset}" if offset < 0 else f"-{offset}")


def browser_sign_in(page, base: str, username: str, password: str = "demo-2026") -> None:
    """Sign in through the real login form in Chromium and wait for the dashboard."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def chromium(playwright_instance):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (installs Debian's chromium)")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"))
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)

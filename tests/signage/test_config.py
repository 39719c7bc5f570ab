"""Configuration refuses what cannot work, with a message that says what to fix."""

import pytest

from signage.config import ConfigError, load_config


def test_production_with_default_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.setenv("SIGNAGE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()


def test_malformed_database_url_is_reported(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "not a url")
    with pytest.raises(ConfigError, match="DATABASE_URL is malformed"):
        load_config()


def test_unsupported_database_is_reported(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://x@localhost/db")
    with pytest.raises(ConfigError, match="sqlite:// or postgresql://"):
        load_config()


def test_plain_postgresql_url_uses_psycopg3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example/signage")
    assert load_config()["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://u:p@")


def test_unreachable_redis_gives_a_clear_503(app, monkeypatch):
    from signage import create_app
    from signage.redis_client import get_redis

    broken = create_app({"TESTING": True, "REDIS_URL": "redis://127.0.0.1:1/0"})

    @broken.route("/_test/redis")
    def _uses_redis():
        return str(get_redis().ping())

    response = broken.test_client().get("/_test/redis")
    assert response.status_code == 503
    assert "Redis" in response.get_data(as_text=True)


def test_serve_refuses_an_unreachable_redis_with_a_clear_message(service_env):
    import subprocess

    from tests.servers import BIN, PROJECT_ROOT

    env = dict(service_env, REDIS_URL="redis://127.0.0.1:1/0")
    result = subprocess.run([str(BIN / "flask"), "serve", "--bind", "127.0.0.1:0"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Redis at REDIS_URL=redis://127.0.0.1:1/0 is unreachable" in result.stderr


def test_malformed_database_url_stops_the_server_with_one_clear_line(service_env):
    import subprocess

    from tests.servers import BIN, PROJECT_ROOT

    env = dict(service_env, DATABASE_URL="postgres ql://oops")
    result = subprocess.run([str(BIN / "python"), "-c", "import wsgi"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Configuration error: DATABASE_URL is malformed")


def test_an_upload_over_the_request_limit_gets_a_clear_413(login, app):
    c = login("phanthiet")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = c.post("/screens/new", data={"name": "x" * 5000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 200 * 1024 * 1024
    assert response.status_code == 413
    assert "Tệp tải lên lớn hơn mức máy chủ cho phép" in response.get_data(as_text=True)

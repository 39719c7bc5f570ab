"""The signing key: a random one per instance, made on the first start; the public fixed key only on request,
never in production and never on an address other machines can reach."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from signage.config import DEFAULT_SECRET_KEY, ConfigError, instance_secret_key, is_loopback, load_config


@pytest.fixture
def fresh_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNAGE_INSTANCE", str(tmp_path / "instance"))
    for name in ("SECRET_KEY", "SIGNAGE_DEV_FIXED_KEY", "SIGNAGE_ENV"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "instance"


def test_the_first_start_makes_a_private_random_key_and_later_starts_use_it(fresh_instance):
    key = load_config()["SECRET_KEY"]
    assert key != DEFAULT_SECRET_KEY and len(key) >= 64
    path = fresh_instance / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config()["SECRET_KEY"] == key


def test_two_instances_get_different_keys(tmp_path):
    assert instance_secret_key(tmp_path / "a") != instance_secret_key(tmp_path / "b")


def test_processes_starting_together_agree_on_one_key(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: instance_secret_key(tmp_path / "instance"), range(16)))
    assert len(keys) == 1
    assert [p.name for p in (tmp_path / "instance").iterdir()] == ["secret_key"]


def test_the_fixed_key_only_with_the_development_flag(fresh_instance, monkeypatch):
    monkeypatch.setenv("SIGNAGE_DEV_FIXED_KEY", "1")
    assert load_config()["SECRET_KEY"] == DEFAULT_SECRET_KEY
    monkeypatch.setenv("SIGNAGE_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()


def test_production_never_makes_a_key_of_its_own(fresh_instance, monkeypatch):
    monkeypatch.setenv("SIGNAGE_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()
    assert not (fresh_instance / "secret_key").exists()


@pytest.mark.parametrize("bind, local", [
    ("127.0.0.1:8000", True), ("localhost:8000", True), ("[::1]:8000", True), ("unix:/tmp/s.sock", True),
    ("0.0.0.0:8000", False), (":8000", False), ("192.168.1.5:8000", False), ("[::]:8000", False),
])
def test_loopback_binds(bind, local):
    assert is_loopback(bind) is local


def test_serve_refuses_the_fixed_key_on_a_public_bind(app, capsys):
    from signage import supervisor

    saved = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = DEFAULT_SECRET_KEY  # what SIGNAGE_DEV_FIXED_KEY=1 gives
    try:
        with app.app_context():
            assert supervisor.run("0.0.0.0:8000") == 2  # refused before anything starts
    finally:
        app.config["SECRET_KEY"] = saved
    assert "Refusing to listen on 0.0.0.0:8000 with the public development key" in capsys.readouterr().err

"""Redis restarting under a running controller (gunicorn, its own Redis): while Redis is down players get a
clear 503 they retry (their screens keep playing from cache); once it is back, empty, the same tokens work
again from the database and the first poll brings a full manifest — no restart of the controller needed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from players.auth import issue_token
from signage.embedded_redis import start_redis
from signage.extensions import db
from signage.models import Screen
from tests.servers import ControllerProcess


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own (the suite's shared one must not restart), as `start()`/`stop()`."""
    socket_path = tmp_path / "redis.sock"
    procs = []

    class Handle:
        url = f"unix://{socket_path}"

        def start(self):
            procs.append(start_redis(socket_path, persist=False))

        def stop(self):
            proc = procs.pop()
            proc.terminate()
            proc.wait(timeout=10)

    handle = Handle()
    handle.start()
    yield handle
    while procs:
        handle.stop()


@pytest.fixture
def served(app_ctx, demo, service_env, own_redis):
    screen = db.session.scalar(select(Screen).order_by(Screen.id))
    token = issue_token(screen.id, None)  # in the database only: the controller's Redis has never seen it
    db.session.commit()
    controller = ControllerProcess(dict(service_env, REDIS_URL=own_redis.url), workers=1).start()
    yield controller, token, screen
    controller.stop()


def manifest(controller, token: str, etag: str | None = None) -> tuple[int, dict, str | None]:
    headers = {"Authorization": f"Bearer {token}"}
    if etag:
        headers["If-None-Match"] = etag
    request = urllib.request.Request(f"{controller.url}/api/player/v1/manifest", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"{}"), response.headers.get("ETag")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return exc.code, json.loads(body) if body.startswith(b"{") else {}, exc.headers.get("ETag")


def test_players_get_a_clear_503_while_redis_is_down_and_everything_back_after_it_restarts(served, own_redis):
    controller, token, screen = served
    status, body, etag = manifest(controller, token)
    assert status == 200 and body["screen"]["id"] == screen.id
    assert manifest(controller, token, etag)[0] == 304

    own_redis.stop()
    status, body, _ = manifest(controller, token, etag)
    assert status == 503 and body.get("error")

    own_redis.start()  # empty: token cache and manifest versions are gone
    status, body, new_etag = manifest(controller, token, etag)
    assert status == 200 and body["screen"]["id"] == screen.id
    assert new_etag != etag  # a fresh version, never the old one reused
    assert manifest(controller, token, new_etag)[0] == 304

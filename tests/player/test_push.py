"""Alerts and commands pushed to the players over server-sent events through real nginx + nchan (players.push,
`flask players push-proxy`'s configuration), polling kept as the fallback."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.servers import ControllerProcess, free_port, wait_for_port

STATION = "Ga Phan Thiết"  # district BT-PT (Phan Thiết)
TAN_NGHIA = "Trung tâm thị trấn Tân Nghĩa"  # district BT-HT (Hàm Thuận Nam)
POLL = "/api/player/v1/alerts"
SUBSCRIBE_PATH = "/push/sub"
ACCEPTED = (201, 202)  # nchan's publisher: a message taken, with or without a subscriber on the channel
READ, UNREAD = 201, 202  # taken while the consumer reads the channel / kept with nobody reading it


class Proxy:
    """nginx + nchan as `flask players push-proxy` runs it (the same plan and configuration), on free ports."""

    def __init__(self, app, folder: Path, upstream_port: int):
        from players.cli import nginx_command, plan, write_config

        self.port, self.publish_port = free_port(), free_port()
        config = dict(app.config, PLAYER_PUSH_PUBLISH_URL=self.publish_url, PLAYER_PUSH_SUBSCRIBE_URL=SUBSCRIBE_PATH)
        proxy = plan(config, bind=f"127.0.0.1:{self.port}", upstream=f"127.0.0.1:{upstream_port}", publish=None,
                     folder=folder)
        self.command = nginx_command(write_config(app, proxy, worker_connections=1024))
        self.proc: subprocess.Popen | None = None

    @property
    def publish_url(self) -> str:
        return f"http://127.0.0.1:{self.publish_port}/pub"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Proxy:
        self.proc = subprocess.Popen(self.command, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc)
        wait_for_port(self.publish_port, self.proc)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown, every stream dropped
            self.proc.wait(timeout=10)


class Stream:
    """A plain HTTP client holding a screen's stream open, as an EventSource does; collects the messages."""

    def __init__(self, port: int, url_path: str):
        self.messages: list[dict] = []
        self.status: int | None = None
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(f"GET {url_path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
                          .encode())
        self.sock.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()
        _until(lambda: self.status is not None, 5, "no answer to the subscription")

    def _read(self) -> None:
        reader = self.sock.makefile("rb")
        try:
            self.status = int(reader.readline().split()[1])
            while reader.readline() not in (b"\r\n", b""):
                pass
            data: list[bytes] = []
            for line in reader:
                line = line.rstrip(b"\r\n")
                if line.startswith(b"data:"):
                    data.append(line[5:].removeprefix(b" "))
                elif not line and data:
                    self.messages.append(json.loads(b"\n".join(data)))
                    data = []
        except (OSError, ValueError, IndexError):
            return

    def close(self) -> None:
        self.sock.close()


def _until(predicate, timeout_s: float, message: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(message)


@pytest.fixture
def proxy_factory(app, tmp_path):
    started: list[Proxy] = []

    def _start(upstream_port: int | None = None) -> Proxy:
        proxy = Proxy(app, tmp_path / f"push-proxy-{len(started)}", upstream_port or free_port()).start()
        started.append(proxy)
        return proxy

    yield _start
    for proxy in started:
        proxy.stop()


@pytest.fixture
def pushing(app, monkeypatch, proxy_factory):
    """nginx + nchan running, and the test's app publishing to it."""
    proxy = proxy_factory()
    monkeypatch.setitem(app.config, "PLAYER_PUSH_PUBLISH_URL", proxy.publish_url)
    monkeypatch.setitem(app.config, "PLAYER_PUSH_SUBSCRIBE_URL", SUBSCRIBE_PATH)
    return proxy


@pytest.fixture
def consumer_factory(app):
    """The acknowledgements' consumer (players.push_acks) in a thread, as `flask players push-proxy` runs it."""
    from players import push_acks

    running = []

    def _start(proxy: Proxy):
        consumer, thread = push_acks.start(app, proxy.publish_url)
        running.append((consumer, thread))
        _until(lambda: consumer.counters["connects"] >= 1, 5, "the consumer did not subscribe")
        return consumer

    def _stop(consumer) -> None:
        for item in [r for r in running if r[0] is consumer]:
            consumer.stop()
            item[1].join(10)
            assert not item[1].is_alive()
            running.remove(item)

    _start.stop = _stop
    yield _start
    for consumer, _thread in list(running):
        _stop(consumer)


def _screen(name: str):
    from signage.extensions import db
    from signage.models import Screen

    return db.session.scalar(select(Screen).where(Screen.name == name))


def _poll(app, token: str):
    with app.app_context():
        return app.test_client().get(POLL, headers={"Authorization": f"Bearer {token}"})


def _subscribe(app, proxy: Proxy, token: str) -> Stream:
    """Poll as the player (the answer names its stream), then open the stream it names."""
    url = _poll(app, token).get_json()["push"]["url"]
    return Stream(proxy.port, url)


def _ack_body(channel: str, *alert_ids: int, shown_ms: int = 1_764_000_000_000) -> bytes:
    return json.dumps({"channel": channel, "acks": [{"alert_id": a, "shown_at_ms": shown_ms} for a in alert_ids]}
                      ).encode()


def _post_ack(port: int, url_path: str, body: bytes) -> int:
    """POST to nginx's acknowledgement location as a player does (text/plain: no CORS preflight)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", url_path, body=body, headers={"Content-Type": "text/plain"})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


def _acks_of(app, alert_id: int) -> dict:
    from alerts.acks import acks_for

    with app.app_context():
        return acks_for(alert_id)


def _counter(key: str) -> int:
    from signage.redis_client import get_redis

    return int(get_redis().get(key) or 0)


def _without_time(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "server_time_ms"}


# ---------------------------------------------------------------- channels


def test_channel_is_stable_per_screen_different_per_screen_and_keyed_by_the_secret():
    from players.alerts import push_channel

    first = push_channel("secret-one", 5)
    assert re.fullmatch(r"s5-[0-9a-f]{32}", first)
    assert push_channel("secret-one", 5) == first
    assert push_channel("secret-one", 6) != first and push_channel("secret-one", 6)[:3] == "s6-"
    assert push_channel("secret-two", 5) != first  # not derivable from the screen id without the secret


def test_the_poll_names_the_screens_stream_only_when_push_is_set_up(app, demo, paired, monkeypatch):
    from players.alerts import push_channel

    screen_id, token = paired(STATION)
    assert "push" not in _poll(app, token).get_json()
    monkeypatch.setitem(app.config, "PLAYER_PUSH_PUBLISH_URL", "http://127.0.0.1:9/pub")
    monkeypatch.setitem(app.config, "PLAYER_PUSH_SUBSCRIBE_URL", "/push/sub/")
    push = _poll(app, token).get_json()["push"]
    channel = push_channel("test-secret", screen_id)
    assert push == {"url": f"/push/sub/{channel}", "poll_s": app.config["PLAYER_PUSH_POLL_S"],
                    "ack_url": f"/push/ack/{channel}"}
    monkeypatch.setitem(app.config, "PLAYER_PUSH_ACK_URL", "")  # acknowledgements to the controller only
    assert "ack_url" not in _poll(app, token).get_json()["push"]


def test_the_proxys_publisher_listens_on_loopback_only_at_the_path_the_controller_publishes_to(app, tmp_path):
    from players.cli import ProxyConfigError, plan

    config = dict(app.config, PLAYER_PUSH_PUBLISH_URL="http://127.0.0.1:8181/nchan/pub",
                  PLAYER_PUSH_SUBSCRIBE_URL="https://bang.example.vn/push/sub/")
    proxy = plan(config, bind="0.0.0.0:8080", upstream="127.0.0.1:8000", publish=None, folder=tmp_path)
    assert (proxy.publish, proxy.publish_path, proxy.subscribe_path) == ("127.0.0.1:8181", "/nchan/pub", "/push/sub")
    with pytest.raises(ProxyConfigError):
        plan(config, bind="0.0.0.0:8080", upstream="127.0.0.1:8000", publish="0.0.0.0:8181", folder=tmp_path)


# ---------------------------------------------------------------- publishing


def test_an_alert_is_pushed_to_exactly_the_screens_it_reaches_as_their_poll_answers_it(app, demo, paired, pushing):
    from alerts.service import cancel_alert, raise_alert

    _station_id, station_token = paired(STATION)
    _tan_nghia_id, tan_nghia_token = paired(TAN_NGHIA)
    station, tan_nghia = _subscribe(app, pushing, station_token), _subscribe(app, pushing, tan_nghia_token)
    alert = raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Triều cường: tránh khu vực bờ kè."})
    _until(lambda: station.messages, 5, "the district's screen got nothing")
    pushed = station.messages[-1]
    assert [a["id"] for a in pushed["alerts"]] == [alert.id]
    assert _without_time(pushed) == _without_time(_poll(app, station_token).get_json())  # the same answer
    time.sleep(0.5)
    assert tan_nghia.messages == []  # another district's screen: nothing

    cancel_alert(alert)
    _until(lambda: len(station.messages) == 2, 5, "the cancellation was not pushed")
    assert station.messages[-1]["alerts"] == [] and station.messages[-1]["version"] != pushed["version"]
    assert tan_nghia.messages == []


def test_a_reconnecting_player_gets_its_screens_latest_answer_first(app, demo, paired, pushing):
    from alerts.service import raise_alert

    _screen_id, token = paired(STATION)
    url = _poll(app, token).get_json()["push"]["url"]
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão số 9."})  # nobody listening yet
    late = Stream(pushing.port, url)
    _until(lambda: late.messages, 5, "the kept message did not arrive")
    assert [a["id"] for a in late.messages[0]["alerts"]] == [alert.id]


def test_a_command_reaches_the_screens_channel(app, demo, paired, pushing):
    from players import commands

    _screen_id, token = paired(STATION)
    stream = _subscribe(app, pushing, token)
    command = commands.send(_screen(STATION), "identify", None)
    _until(lambda: stream.messages, 5, "the command was not pushed")
    assert [(c["id"], c["kind"]) for c in stream.messages[-1]["control"]["commands"]] == [(command.id, "identify")]


def test_with_nginx_down_an_alert_still_goes_on_air_and_the_poll_delivers_it(app, demo, paired, monkeypatch):
    from alerts.service import raise_alert
    from players import push
    from signage.redis_client import get_redis

    _screen_id, token = paired(STATION)
    _poll(app, token)
    monkeypatch.setitem(app.config, "PLAYER_PUSH_PUBLISH_URL", f"http://127.0.0.1:{free_port()}/pub")  # nobody
    monkeypatch.setitem(app.config, "PLAYER_PUSH_SUBSCRIBE_URL", SUBSCRIBE_PATH)
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão số 9."})
    assert alert.started_at is not None
    assert [a["id"] for a in _poll(app, token).get_json()["alerts"]] == [alert.id]
    assert int(get_redis().get(push.FAILED_KEY)) >= 1 and get_redis().get(push.SENT_KEY) == b"0"


def test_pushing_many_screens_reads_redis_in_chunks_and_pipelines(app, demo, paired, pushing, monkeypatch):
    """Every screen of the batch gets its message, over one connection, with no database query."""
    from players import commands, push
    from tests.alerts.conftest import sql_statements

    ids = [_screen(name).id for name in (STATION, TAN_NGHIA)]
    tokens = [paired(STATION)[1], paired(TAN_NGHIA)[1]]
    streams = [_subscribe(app, pushing, token) for token in tokens]
    commands.publish(ids, announce=False)
    monkeypatch.setattr(push, "READ_CHUNK", 1)
    monkeypatch.setattr(push, "PIPELINE", 1)
    with sql_statements() as statements:
        result = push.push_screens(ids)
    assert result["sent"] == 2 and result["failed"] == 0 and statements == []
    _until(lambda: all(s.messages for s in streams), 5, "a screen of the batch got nothing")


def test_a_push_after_nginx_restarted_opens_a_fresh_connection(app, demo, paired, pushing):
    from players import push

    screen_id, token = paired(STATION)
    stream = _subscribe(app, pushing, token)
    assert push.push_screens([screen_id])["sent"] == 1  # the connection is kept for the next push
    _until(lambda: stream.messages, 5, "the first push did not arrive")
    pushing.stop()
    pushing.start()
    again = push.push_screens([screen_id])
    assert (again["sent"], again["failed"]) == (1, 0)


# ---------------------------------------------------------------- acknowledgements through nchan


def test_an_acknowledgement_posted_to_nchan_is_recorded_for_its_screen_within_a_second(
        app, demo, paired, pushing, consumer_factory):
    from alerts.service import raise_alert
    from players import push_acks

    screen_id, token = paired(STATION)
    push = _poll(app, token).get_json()["push"]
    channel = push["ack_url"].rsplit("/", 1)[1]
    assert channel == push["url"].rsplit("/", 1)[1]
    consumer_factory(pushing)
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão số 9."})
    # nginx answers itself: nothing listens behind this proxy (the controller would have been a 502)
    assert _post_ack(pushing.port, push["ack_url"], _ack_body(channel, alert.id)) in ACCEPTED
    posted = time.monotonic()
    _until(lambda: screen_id in _acks_of(app, alert.id), 2, "the acknowledgement was not recorded")
    assert time.monotonic() - posted < 1.5
    shown, received = _acks_of(app, alert.id)[screen_id]
    assert shown == datetime.fromtimestamp(1_764_000_000, UTC) and received > shown
    _until(lambda: _counter(push_acks.RECORDED_KEY) == 1, 2, "the message was not counted")
    assert _counter(push_acks.DROPPED_KEY) == 0


def test_an_acknowledgement_under_a_forged_channel_is_dropped_and_counted(app, demo, paired, pushing, consumer_factory):
    from alerts.service import raise_alert
    from players import push_acks
    from players.alerts import push_channel

    screen_id, _token = paired(STATION)
    other_id, _other_token = paired(TAN_NGHIA)
    consumer_factory(pushing)
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão số 9."})
    mine = push_channel("test-secret", screen_id)
    forged = [f"s{other_id}-{mine.split('-')[1]}",  # another screen's id with this screen's HMAC
              f"s{screen_id}-{'0' * 32}", push_channel("another-secret", screen_id), f"s0{mine[1:]}"]
    for channel in forged:
        assert _post_ack(pushing.port, f"/push/ack/{channel}", _ack_body(channel, alert.id)) in ACCEPTED
    # a genuine one after them: once it is recorded, the consumer has read the forged ones
    assert _post_ack(pushing.port, f"/push/ack/{mine}", _ack_body(mine, alert.id)) in ACCEPTED
    _until(lambda: _counter(push_acks.RECORDED_KEY) == 1, 3, "the genuine acknowledgement was not recorded")
    assert set(_acks_of(app, alert.id)) == {screen_id}
    assert _counter(push_acks.DROPPED_KEY) == len(forged)


def test_a_malformed_acknowledgement_is_dropped_and_an_oversized_one_refused_by_nginx(
        app, demo, paired, pushing, consumer_factory):
    from alerts.service import raise_alert
    from players import push_acks
    from players.alerts import push_channel

    screen_id, _token = paired(STATION)
    other_id, _other_token = paired(TAN_NGHIA)
    consumer_factory(pushing)
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão số 9."})
    mine, other = push_channel("test-secret", screen_id), push_channel("test-secret", other_id)
    path = f"/push/ack/{mine}"
    malformed = [b"not json", b"[]", b"{" * 5000, json.dumps({"channel": mine}).encode(),
                 json.dumps({"channel": mine, "acks": [{"alert_id": str(alert.id), "shown_at_ms": 1}]}).encode(),
                 json.dumps({"acks": [{"alert_id": alert.id, "shown_at_ms": 1}]}).encode()]
    for body in malformed:
        assert _post_ack(pushing.port, path, body) in ACCEPTED
    assert _post_ack(pushing.port, path, _ack_body(mine, alert.id) + b" " * 9000) == 413
    assert _post_ack(pushing.port, f"/push/ack/{other}", _ack_body(other, alert.id)) in ACCEPTED
    _until(lambda: _counter(push_acks.RECORDED_KEY) == 1, 3, "the well-formed acknowledgement was not recorded")
    assert set(_acks_of(app, alert.id)) == {other_id}
    assert _counter(push_acks.DROPPED_KEY) == len(malformed)


def test_only_a_post_reaches_the_acknowledgements_channel(app, demo, paired, pushing):
    """A player cannot read the channel (other screens' acknowledgements) nor delete it."""
    from players.alerts import push_channel

    screen_id, _token = paired(STATION)
    path = f"/push/ack/{push_channel('test-secret', screen_id)}"
    for method in ("GET", "DELETE"):
        conn = http.client.HTTPConnection("127.0.0.1", pushing.port, timeout=5)
        conn.request(method, path)
        assert conn.getresponse().status == 403
        conn.close()
    assert _post_ack(pushing.port, "/push/ack/player-acks", b"{}") == 404


def test_nchan_answers_201_only_while_the_consumer_reads_which_is_what_the_player_trusts(
        app, demo, paired, pushing, consumer_factory):
    """push.js counts an acknowledgement sent through nchan only on a 201; on a 202 (kept, nobody reading: the
    consumer is down) it sends it to the controller as well."""
    from alerts.service import raise_alert
    from players.alerts import push_channel

    screen_id, _token = paired(STATION)
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão số 9."})
    channel = push_channel("test-secret", screen_id)
    assert _post_ack(pushing.port, f"/push/ack/{channel}", _ack_body(channel, alert.id)) == UNREAD
    consumer = consumer_factory(pushing)
    assert _post_ack(pushing.port, f"/push/ack/{channel}", _ack_body(channel, alert.id)) == READ
    consumer_factory.stop(consumer)
    _until(lambda: _post_ack(pushing.port, f"/push/ack/{channel}", _ack_body(channel, alert.id)) == UNREAD, 3,
           "nchan still answers as if the stopped consumer were reading")


def test_acknowledgements_kept_while_the_consumer_was_away_are_recorded_once_when_it_starts(
        app, demo, paired, pushing, consumer_factory):
    from alerts.service import raise_alert
    from players import push_acks
    from players.alerts import push_channel

    screen_id, _token = paired(STATION)
    other_id, _other_token = paired(TAN_NGHIA)
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão số 9."})
    mine, other = push_channel("test-secret", screen_id), push_channel("test-secret", other_id)
    assert _post_ack(pushing.port, f"/push/ack/{mine}", _ack_body(mine, alert.id)) in ACCEPTED  # before any consumer
    consumer = consumer_factory(pushing)
    _until(lambda: _counter(push_acks.RECORDED_KEY) == 1, 3, "the first consumer did not read the kept message")
    assert screen_id in _acks_of(app, alert.id)
    consumer_factory.stop(consumer)
    assert _post_ack(pushing.port, f"/push/ack/{other}", _ack_body(other, alert.id)) in ACCEPTED
    time.sleep(0.5)
    assert other_id not in _acks_of(app, alert.id)
    consumer_factory(pushing)
    _until(lambda: other_id in _acks_of(app, alert.id), 3, "the kept message was not recorded")
    _until(lambda: _counter(push_acks.RECORDED_KEY) >= 2, 2, "the kept message was not counted")
    time.sleep(0.3)
    assert _counter(push_acks.RECORDED_KEY) == 2  # resumed after its position: the first message not read again


def test_the_push_proxy_command_runs_nginx_with_the_consumer_and_stops_both(app, demo, paired, service_env, tmp_path):
    from alerts.service import raise_alert
    from players.alerts import push_channel
    from tests.conftest import PROJECT_ROOT

    screens = [paired(STATION)[0], paired(TAN_NGHIA)[0]]
    port, publish_port = free_port(), free_port()
    env = dict(service_env, PLAYER_PUSH_PUBLISH_URL=f"http://127.0.0.1:{publish_port}/pub",
               PLAYER_PUSH_SUBSCRIBE_URL=SUBSCRIBE_PATH, SIGNAGE_INSTANCE=str(tmp_path / "instance"))
    command = [sys.executable, "-m", "flask", "players", "push-proxy", "--bind", f"127.0.0.1:{port}",
               "--upstream", f"127.0.0.1:{free_port()}"]
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão số 9."})
    for screen_id, stop in zip(screens, ("the command", "nginx"), strict=True):
        proc = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, proc)
            wait_for_port(publish_port, proc)
            channel = push_channel("test-secret", screen_id)
            assert _post_ack(port, f"/push/ack/{channel}", _ack_body(channel, alert.id)) in ACCEPTED
            _until(lambda sid=screen_id: sid in _acks_of(app, alert.id), 5, "the command's consumer recorded nothing")
            if stop == "the command":
                proc.send_signal(signal.SIGTERM)
            else:  # nginx's master process ends: the command ends with it
                os.kill(int((tmp_path / "instance" / "push-proxy" / "nginx.pid").read_text()), signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()  # nginx is gone too
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# ---------------------------------------------------------------- real Chromium players


def _controller(service_env: dict, **settings) -> ControllerProcess:
    return ControllerProcess(dict(service_env, **settings))


def _controller_behind_proxy(app, service_env: dict, proxy_factory, monkeypatch) -> tuple[ControllerProcess, Proxy]:
    """A started controller (alert polls every 60 s) with nginx + nchan in front of it, both publishing to it."""
    controller = _controller(service_env, PLAYER_ALERT_POLL_S="60", PLAYER_PUSH_POLL_S="60",
                             PLAYER_PUSH_SUBSCRIBE_URL=SUBSCRIBE_PATH, BEHIND_PROXY="1")
    proxy = proxy_factory(controller.port)
    controller.env["PLAYER_PUSH_PUBLISH_URL"] = proxy.publish_url
    monkeypatch.setitem(app.config, "PLAYER_PUSH_PUBLISH_URL", proxy.publish_url)
    monkeypatch.setitem(app.config, "PLAYER_PUSH_SUBSCRIBE_URL", SUBSCRIBE_PATH)
    return controller.start(), proxy


def _wait_for_ack(app, alert_id: int, screen_id: int, timeout_s: float = 10):
    from alerts.acks import acks_for

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with app.app_context():
            found = acks_for(alert_id).get(screen_id)
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no acknowledgement of alert {alert_id} by screen {screen_id}")


@pytest.mark.browser
def test_a_message_behind_the_players_version_in_any_part_is_older(module_page):
    """The player ignores a pushed message older than what it has (a channel's kept message after a failed push):
    versions are "<alert generation>.<control time in ns>", compared as whole numbers, part by part."""
    page = module_page
    cases = [["17.1764000000000000200", "17.1764000000000000200"], ["17.1764000000000000100", "17.1764000000000000200"],
             ["9.1764000000000000300", "10.1764000000000000200"], ["18.1764000000000000300", "17.1764000000000000200"],
             ["18.1764000000000000100", "17.1764000000000000200"], ["18", "17.1764000000000000200"]]
    older = page.evaluate("""(cases) => import('/play/static/js/alerts.js')
                               .then(m => cases.map(([a, b]) => m.olderVersion(a, b)))""", cases)
    assert older == [False, True, True, False, True, False]


@pytest.mark.browser
def test_a_player_behind_the_proxy_shows_a_pushed_alert_long_before_its_next_poll_and_acknowledges_via_nchan(
        app, chromium, demo, paired, proxy_factory, consumer_factory, service_env, monkeypatch):
    from alerts.service import raise_alert
    from players import push_acks
    from tests.player.test_player_browser import open_player, wait_for

    screen_id, token = paired(STATION)
    controller, proxy = _controller_behind_proxy(app, service_env, proxy_factory, monkeypatch)
    consumer_factory(proxy)
    try:
        context, page = open_player(chromium, proxy.url, (960, 540), token=token)
        wait_for(page, "window.__player && window.__player.push.open", 20)
        polls = page.evaluate("window.__player.alerts.counters.polls")
        alert = raise_alert(region_id=demo["BT"].id, severity="extreme", messages={"vi": "Bão số 9 đổ bộ."})
        raised = time.monotonic()
        wait_for(page, "!document.getElementById('alert').hidden", 5)
        assert time.monotonic() - raised < 5
        assert page.evaluate("window.__player.alerts.counters.polls") == polls  # pushed, not polled
        assert "Bão số 9" in page.evaluate("document.querySelector('#alert .alert-body').textContent")
        shown, _received = _wait_for_ack(app, alert.id, screen_id)
        assert shown - alert.started_at < timedelta(seconds=5)
        # through nchan: the consumer recorded it, the player never POSTed to the controller's endpoint
        _until(lambda: _counter(push_acks.RECORDED_KEY) == 1, 2, "the consumer did not count the message")
        wait_for(page, "window.__player.push.counters.acks === 1", 5)
        assert page.evaluate("window.__player.alerts.counters.acksSent") == 0
        context.close()
    finally:
        controller.stop()


@pytest.mark.browser
def test_with_no_consumer_reading_the_player_acknowledges_through_the_controller(
        app, chromium, demo, paired, proxy_factory, service_env, monkeypatch):
    """nginx keeps the acknowledgement (202) but nothing records it: the live board must not wait for a consumer
    that is down, so the player sends it to the controller's endpoint too."""
    from alerts.service import raise_alert
    from tests.player.test_player_browser import open_player, wait_for

    screen_id, token = paired(STATION)
    controller, proxy = _controller_behind_proxy(app, service_env, proxy_factory, monkeypatch)
    try:
        context, page = open_player(chromium, proxy.url, (960, 540), token=token)
        wait_for(page, "window.__player && window.__player.push.open", 20)
        alert = raise_alert(region_id=demo["BT"].id, severity="extreme", messages={"vi": "Bão số 9 đổ bộ."})
        wait_for(page, "!document.getElementById('alert').hidden", 5)
        shown, _received = _wait_for_ack(app, alert.id, screen_id, 5)
        assert shown - alert.started_at < timedelta(seconds=5)
        wait_for(page, "window.__player.alerts.counters.acksSent === 1", 5)
        assert page.evaluate("window.__player.push.counters.acks") == 0
        assert page.evaluate("window.__player.push.counters.ackErrors") == 1
        context.close()
    finally:
        controller.stop()


@pytest.mark.browser
def test_when_the_stream_breaks_the_player_polls_again_at_once(
        app, chromium, demo, paired, proxy_factory, service_env, monkeypatch):
    """Push from its own address (nginx beside the controller); nginx stops: the player's polls carry the alert."""
    from alerts.service import raise_alert
    from tests.player.test_player_browser import open_player, wait_for

    screen_id, token = paired(STATION)
    proxy = proxy_factory()
    monkeypatch.setitem(app.config, "PLAYER_PUSH_PUBLISH_URL", proxy.publish_url)
    monkeypatch.setitem(app.config, "PLAYER_PUSH_SUBSCRIBE_URL", f"{proxy.url}{SUBSCRIBE_PATH}")
    controller = _controller(service_env, PLAYER_ALERT_POLL_S="1", PLAYER_PUSH_POLL_S="60",
                             PLAYER_PUSH_PUBLISH_URL=proxy.publish_url,
                             PLAYER_PUSH_SUBSCRIBE_URL=f"{proxy.url}{SUBSCRIBE_PATH}").start()
    try:
        context, page = open_player(chromium, controller.url, (960, 540), token=token)
        wait_for(page, "window.__player && window.__player.push.open", 20)
        time.sleep(1)
        polls = page.evaluate("window.__player.alerts.counters.polls")
        time.sleep(2.5)
        assert page.evaluate("window.__player.alerts.counters.polls") == polls  # the stream is open: no polling
        proxy.stop()
        wait_for(page, "!window.__player.push.open", 5)
        alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão số 9 đổ bộ."})
        wait_for(page, "!document.getElementById('alert').hidden", 5)
        assert page.evaluate("window.__player.alerts.counters.polls") >= polls + 2  # polling again, every second
        _wait_for_ack(app, alert.id, screen_id)
        # no stream, so the acknowledgement went to the controller's endpoint
        wait_for(page, "window.__player.alerts.counters.acksSent === 1", 5)
        assert page.evaluate("window.__player.push.counters.acks") == 0
        context.close()
    finally:
        controller.stop()

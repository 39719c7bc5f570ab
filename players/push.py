"""Alerts and commands pushed to the players over server-sent events, through nginx with the nchan module;
polling stays the fallback.

Each screen has one channel (`players.alerts.push_channel`: `s<screen id>-<32 hex>`, an HMAC of the screen id
under SECRET_KEY, so only the screen's own player learns it — from its poll's answer). When what a screen's
alert poll answers changes (`alert_answers_published`, sent by `alerts.service.publish` and
`players.commands.publish` once their Redis writes are done and the publish lock is released), `push_screens`
POSTs to each changed screen's channel the exact body its poll would answer with a 200 — alerts, control,
version — read from Redis (one MGET per 1,000 screens, no database) and sent pipelined over one keep-alive
connection to nchan's publisher (PLAYER_PUSH_PUBLISH_URL, on loopback). nchan keeps the last message of each
channel: a player that (re)connects gets the screen's latest state at once.

Order: pushes are serialised by a Redis lock (`LOCK`) and read the answers after taking it, so the last
message on a channel is never older than the last one published before it.

Never in the way: a push that fails (nginx down, a slow answer) is logged and counted (`SENT_KEY`,
`FAILED_KEY`), never raised — the change that caused it stands, and the players' polls deliver it (every
PLAYER_ALERT_POLL_S without a stream, every PLAYER_PUSH_POLL_S with one). Unset PLAYER_PUSH_PUBLISH_URL or
PLAYER_PUSH_SUBSCRIBE_URL: nothing is pushed or announced to the players, they poll (`make run` without nginx).

`flask players push-proxy` (players/cli.py) runs Debian's nginx with our configuration
(templates/players/nginx-push.conf): the subscribers' location, the publisher on loopback only, and every
other request proxied to the controller. The players' acknowledgements travel the other way through nchan
too while their streams are open (players.push_acks).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from urllib.parse import urlsplit

from flask import Flask, current_app
from redis.exceptions import RedisError

from alerts import service as alert_service
from players import commands
from players.alerts import body, combined, push_channel, push_part
from signage.redis_client import get_redis
from signage.signals import alert_answers_published
from signage.timeutil import utcnow

log = logging.getLogger(__name__)

LOCK = "players:push-lock"
SENT_KEY = "players:push:sent"
FAILED_KEY = "players:push:failed"
#: Screens read from Redis in one MGET; requests written to nchan in one go while their answers are read.
READ_CHUNK = 1000
PIPELINE = 1000
CONNECT_TIMEOUT_S = 1.0
IO_TIMEOUT_S = 5.0


def enabled(config) -> bool:
    return bool(config["PLAYER_PUSH_PUBLISH_URL"] and config["PLAYER_PUSH_SUBSCRIBE_URL"])


class PushError(OSError):
    """nchan could not be reached or did not answer as a publisher does."""


class Publisher:
    """HTTP/1.1 to nchan's publisher: one keep-alive connection, requests pipelined PIPELINE at a time (the
    answers read in order while the requests are written; nginx answers pipelined requests one by one)."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"PLAYER_PUSH_PUBLISH_URL must be http://HOST:PORT/PATH, not {base_url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = parts.path.rstrip("/")
        self.sock: socket.socket | None = None
        self.reader = None
        self.lock = threading.Lock()
        self.pid = os.getpid()

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = self.reader = None

    def _connect(self) -> None:
        self.close()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            raise PushError(f"cannot connect to nchan at {self.host}:{self.port}: {exc}") from exc
        sock.settimeout(IO_TIMEOUT_S)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.reader = sock, sock.makefile("rb")

    def _request(self, channel: str, payload: bytes) -> bytes:
        return b"POST %s/%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
            self.path.encode(), channel.encode(), self.host.encode(), len(payload), payload)

    def _answer(self) -> tuple[int, bool]:
        """(status, connection closing) of the next answer on the connection."""
        status_line = self.reader.readline(1024)
        if not status_line:
            raise PushError("nchan closed the connection")
        try:
            status = int(status_line.split()[1])
        except (IndexError, ValueError) as exc:
            raise PushError(f"not an HTTP answer: {status_line[:80]!r}") from exc
        length, closing = 0, False
        while True:
            line = self.reader.readline(8192)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _sep, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                closing = True
        if length:
            self.reader.read(length)
        return status, closing

    def _send_batch(self, batch: list[tuple[str, bytes]]) -> int:
        """Write every request of the batch (from a thread) while reading the answers here: no round trip per
        request, and neither side waits for the other's buffer to drain."""
        if self.pid != os.getpid():  # a forked process (an RQ job): never write on the parent's connection
            self.sock = self.reader = None
            self.pid = os.getpid()
        if self.sock is None:
            self._connect()
        failed: list[BaseException] = []

        def write(sock=self.sock, data=b"".join(self._request(channel, payload) for channel, payload in batch)):
            try:
                sock.sendall(data)
            except OSError as exc:
                failed.append(exc)

        writer = threading.Thread(target=write, name="players-push-writer", daemon=True)
        writer.start()
        ok, closing = 0, False
        try:
            for _ in batch:
                status, closing_now = self._answer()
                closing = closing or closing_now
                ok += 200 <= status < 300
        except (OSError, ValueError) as exc:
            self.close()
            raise PushError(str(exc)) from exc
        finally:
            writer.join(IO_TIMEOUT_S)
        if failed:
            self.close()
            raise PushError(str(failed[0]))
        if closing:
            self.close()
        return ok

    def send(self, messages: list[tuple[str, bytes]]) -> int:
        """POST each (channel, body); how many nchan accepted. A connection kept from an earlier push that
        turns out closed is opened again once; PushError when nchan cannot be reached."""
        sent = 0
        with self.lock:
            for start in range(0, len(messages), PIPELINE):
                batch = messages[start:start + PIPELINE]
                reused = self.sock is not None
                try:
                    sent += self._send_batch(batch)
                except PushError:
                    if not reused:
                        raise
                    sent += self._send_batch(batch)  # nginx closed an idle connection: once more, fresh
        return sent


def _publisher(app: Flask) -> Publisher:
    found = app.extensions.get("players.push")
    if found is None or found[0] != app.config["PLAYER_PUSH_PUBLISH_URL"]:
        found = app.extensions["players.push"] = (app.config["PLAYER_PUSH_PUBLISH_URL"],
                                                  Publisher(app.config["PLAYER_PUSH_PUBLISH_URL"]))
    return found[1]


def answers(redis, config, screen_ids: list[int], now_ms: int, *, publish_missing: bool = True) -> dict[int, bytes]:
    """The body each screen's alert poll answers now with a 200 (players.alerts.fast_answer's), from one MGET;
    a screen whose control payload Redis lacks gets it published first. Screens Redis cannot answer for (the
    alerts' state lost) are left out: their players' polls rebuild it."""
    keys = [alert_service.EPOCH_KEY]
    for sid in screen_ids:
        keys += [alert_service.version_key(sid), alert_service.answer_key(sid), commands.control_key(sid)]
    raw = redis.mget(keys)
    epoch, out, missing = raw[0], {}, []
    if epoch is None:
        return out
    poll_s = config["PLAYER_ALERT_POLL_S"]
    for i, sid in enumerate(screen_ids):
        version, answer, raw_control = raw[1 + 3 * i:4 + 3 * i]
        control = commands.split(raw_control)
        if control is None:
            missing.append(sid)
            continue
        out[sid] = body(answer or b"[]", combined((version or epoch).decode(), control), poll_s, now_ms,
                        control[1], push_part(config, sid))
    if missing and publish_missing:
        commands.publish(missing, announce=False)
        out.update(answers(redis, config, missing, now_ms, publish_missing=False))
    return out


def push_screens(screen_ids) -> dict[str, int]:
    """Push the current poll answer of these screens to their channels (see the module docstring). Returns
    {"sent", "failed", "ms"}; never raises for nchan or Redis trouble (logged and counted)."""
    app = current_app._get_current_object()
    ids = sorted(set(screen_ids))
    result = {"sent": 0, "failed": 0, "ms": 0}
    if not ids or not enabled(app.config):
        return result
    started = time.monotonic()
    redis = get_redis()
    done = 0  # screens counted in `result` so far
    try:
        lock = redis.lock(LOCK, timeout=120, blocking_timeout=30)
        if not lock.acquire():
            raise PushError("another push held the lock for 30 s")
        try:
            publisher, secret = _publisher(app), app.config["SECRET_KEY"]
            for start in range(0, len(ids), READ_CHUNK):
                chunk = ids[start:start + READ_CHUNK]
                bodies = answers(redis, app.config, chunk, int(utcnow().timestamp() * 1000))
                sent = publisher.send([(push_channel(secret, sid), data) for sid, data in bodies.items()])
                result["sent"] += sent
                result["failed"] += len(chunk) - sent
                done += len(chunk)
        finally:
            try:
                lock.release()
            except Exception:  # noqa: BLE001 - the lock expired: nothing to give back
                pass
    except (PushError, RedisError, ValueError) as exc:
        result["failed"] += len(ids) - done
        log.warning("players: pushing %d screens' answers failed (%s); their players' polls deliver them",
                    len(ids) - done, exc)
    result["ms"] = int((time.monotonic() - started) * 1000)
    try:
        redis.pipeline(transaction=False).incrby(SENT_KEY, result["sent"]).incrby(
            FAILED_KEY, result["failed"]).execute()
    except RedisError:
        pass
    return result


def _on_published(sender, screen_ids, **kwargs) -> None:
    try:
        push_screens(screen_ids)
    except Exception:  # noqa: BLE001 - whatever breaks here, the change that sent the signal stands
        log.exception("players: pushing %d screens' answers failed; their players' polls deliver them",
                      len(screen_ids))
        try:
            get_redis().incrby(FAILED_KEY, len(screen_ids))
        except RedisError:
            pass


def init_app(app: Flask) -> None:
    """Push on every change of what a screen's poll answers (a no-op unless push is set up)."""
    alert_answers_published.connect(_on_published, app, weak=False)

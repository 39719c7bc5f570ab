"""Players' acknowledgements through nginx + nchan: nginx takes the herd's POSTs, one consumer records them.

Where push is set up (players.push) and PLAYER_PUSH_ACK_URL is set, the poll's `push` block also names
`ack_url` (`<PLAYER_PUSH_ACK_URL>/<the screen's channel>`, players.alerts.push_part). A player whose stream is
open POSTs its acknowledgements there as `{"channel": "<its channel>", "acks": [...]}` (the controller's
acknowledgement body plus the channel); nginx answers at once (templates/players/nginx-push.conf) and appends
the body to ONE channel (`CHANNEL`, in its own group `GROUP`) that keeps up to BUFFER messages for KEPT_S. A
player that gets anything but nchan's 201 (a subscriber — this consumer — is reading the channel) sends the same
acknowledgements to POST /api/player/v1/alerts/ack too: a 202 means kept with nobody reading (the consumer is
down), and a message kept longer than KEPT_S or beyond BUFFER would be lost.

`Consumer` (run by `flask players push-proxy` beside nginx) reads that channel as server-sent events from
nchan's loopback server and handles whatever each read brought as one batch (`handle`):
  - only the channel in the body is trusted: the screen id parsed from it, its HMAC recomputed
    (`players.alerts.push_channel`) and compared in constant time (`verified_screen`); a forged, malformed or
    oversized message is dropped and counted (DROPPED_KEY);
  - the rest is what the controller's own endpoint does, for the whole batch at once: `players.alerts.parse_acks`,
    `alerts.acks.record_many` (`record` for several screens: two Redis round trips per batch, where one per
    message took ~0.55 ms, 5.5 s for a 10,000-screen herd), `alerts.acks.queue_persist` (RECORDED_KEY counts
    the messages);
  - then the id of the batch's last message is kept (POSITION_KEY): a restarted consumer asks for what came
    after it (Last-Event-ID); without one it starts at the oldest message nchan keeps. At least once — a batch
    recorded but not yet marked is read again after a crash — and harmless: recording is idempotent (the first
    report per alert and screen wins, an HSETNX; the database write inserts only what the table lacks).
The received time recorded is the consumer's clock when it records the batch.
"""

from __future__ import annotations

import hmac
import http.client
import json
import logging
import re
import socket
import threading
from urllib.parse import urlsplit

from flask import Flask
from redis.exceptions import RedisError

from alerts import acks
from players.alerts import MAX_ACK_BYTES, parse_acks, push_channel
from signage.redis_client import app_redis
from signage.timeutil import utcnow

log = logging.getLogger(__name__)

GROUP = "acks"
CHANNEL = "player-acks"
#: Messages the channel keeps for a consumer that is away (a province's herd is ~10,000), and for how long.
BUFFER = 100_000
KEPT_S = 300
#: nchan's keep-alive comment on the consumer's stream; no byte for IO_TIMEOUT_S means the stream is dead.
PING_S = 10
IO_TIMEOUT_S = 3 * PING_S
#: The body nginx accepts (client_max_body_size 8k): an acknowledgement and the channel.
MAX_BYTES = MAX_ACK_BYTES
RETRY_S = (0.5, 5.0)

POSITION_KEY = "players:push:acks:position"
RECORDED_KEY = "players:push:acks:recorded"
DROPPED_KEY = "players:push:acks:dropped"

_CHANNEL = re.compile(r"s([0-9]{1,18})-[0-9a-f]{32}")
_EVENT_END = re.compile(rb"\r?\n\r?\n")


def verified_screen(secret: str, channel) -> int | None:
    """The screen whose channel this is, when the channel is exactly `push_channel(secret, screen)`; else None."""
    found = _CHANNEL.fullmatch(channel) if isinstance(channel, str) else None
    if found is None:
        return None
    screen_id = int(found[1])
    return screen_id if hmac.compare_digest(push_channel(secret, screen_id), channel) else None


def decode(secret: str, data: bytes, now_ms: int) -> tuple[int, list[tuple[int, int]]] | None:
    """(screen id, (alert id, shown-at ms) reports) of one message, or None to drop it."""
    if len(data) > MAX_BYTES:
        return None
    try:
        channel = json.loads(data).get("channel")
    except (ValueError, AttributeError, RecursionError):
        return None
    screen_id = verified_screen(secret, channel)
    reports = parse_acks(data, now_ms) if screen_id is not None else None
    return None if reports is None else (screen_id, reports)


def events(raw: list[bytes]) -> tuple[list[bytes], bytes | None]:
    """The data of each server-sent event (a keep-alive comment has none) and the last id given."""
    datas, last_id = [], None
    for event in raw:
        lines = []
        for line in event.splitlines():
            field, _sep, value = line.partition(b":")
            value = value[1:] if value.startswith(b" ") else value
            if field == b"data":
                lines.append(value)
            elif field == b"id":
                last_id = value
        if lines:
            datas.append(b"\n".join(lines))
    return datas, last_id


def handle(redis, secret: str, datas: list[bytes], last_id: bytes | None, now_ms: int) -> tuple[int, int]:
    """Record one batch of messages and move the position past it (see the module docstring). Returns
    (messages recorded, messages dropped)."""
    by_screen: dict[int, list[tuple[int, int]]] = {}
    dropped = 0
    for data in datas:
        decoded = decode(secret, data, now_ms)
        if decoded is None:
            dropped += 1
            continue
        by_screen.setdefault(decoded[0], []).extend(decoded[1])
    _recorded, due = acks.record_many(redis, list(by_screen.items()), now_ms)
    if due:
        acks.queue_persist(due, now_ms)
    pipe = redis.pipeline(transaction=False)
    if last_id:
        pipe.set(POSITION_KEY, last_id)
    pipe.incrby(RECORDED_KEY, len(datas) - dropped).incrby(DROPPED_KEY, dropped).execute()
    if dropped:
        log.warning("players: %d acknowledgement(s) through nchan dropped (forged or malformed channel or body)",
                    dropped)
    return len(datas) - dropped, dropped


class ConsumerError(OSError):
    """nchan did not answer the consumer's subscription as a stream of server-sent events."""


class Consumer:
    """Follows the acknowledgements' channel until `stop()`; reconnects (RETRY_S) when the stream breaks."""

    def __init__(self, app: Flask, publish_url: str):
        """publish_url: nchan's loopback publisher base (PLAYER_PUSH_PUBLISH_URL's form); the channel is read
        at `<publish_url>/CHANNEL`."""
        self.app = app
        parts = urlsplit(f"{publish_url.rstrip('/')}/{CHANNEL}")
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the publisher must be http://HOST:PORT/PATH, not {publish_url!r}")
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path
        self.stopping = threading.Event()
        self.sock: socket.socket | None = None
        self.counters = {"batches": 0, "recorded": 0, "dropped": 0, "connects": 0}

    def stop(self) -> None:
        self.stopping.set()
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the read under way
            except OSError:
                pass

    def run(self) -> None:
        delay = RETRY_S[0]
        with self.app.app_context():
            while not self.stopping.is_set():
                try:
                    self._follow()
                    delay = RETRY_S[0]
                except (OSError, http.client.HTTPException, RedisError) as exc:
                    if self.stopping.is_set():
                        break
                    log.warning("players: reading the acknowledgements from nchan failed (%s); again in %.1f s",
                                exc, delay)
                self.stopping.wait(delay)
                delay = min(delay * 2, RETRY_S[1])

    def _follow(self) -> None:
        redis, secret = app_redis(self.app), self.app.config["SECRET_KEY"]
        headers = {"Accept": "text/event-stream"}
        position = redis.get(POSITION_KEY)
        if position:
            headers["Last-Event-ID"] = position.decode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=IO_TIMEOUT_S)
        try:
            conn.request("GET", self.path, headers=headers)
            self.sock = conn.sock
            if self.stopping.is_set():
                return
            answer = conn.getresponse()
            if answer.status != 200:
                raise ConsumerError(f"nchan answered {answer.status} to {self.path}")
            self.counters["connects"] += 1
            pending = b""
            while not self.stopping.is_set():
                chunk = answer.read1(1 << 16)
                if not chunk:
                    return
                *raw, pending = _EVENT_END.split(pending + chunk)
                datas, last_id = events(raw)
                if not datas and last_id is None:
                    continue
                recorded, dropped = handle(redis, secret, datas, last_id, int(utcnow().timestamp() * 1000))
                self.counters["batches"] += 1
                self.counters["recorded"] += recorded
                self.counters["dropped"] += dropped
        finally:
            self.sock = None
            conn.close()


def start(app: Flask, publish_url: str) -> tuple[Consumer, threading.Thread]:
    """The consumer in a thread of this process (daemon: it never holds the process up)."""
    consumer = Consumer(app, publish_url)
    thread = threading.Thread(target=consumer.run, name="players-push-acks", daemon=True)
    thread.start()
    return consumer, thread


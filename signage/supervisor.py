"""`flask serve`: one foreground process supervising Redis, gunicorn and RQ workers (plus one worker of the
urgent queue alone, for alerts' SMS).

Children get SIGTERM on Ctrl-C (or when any of them dies) and are waited for, so nothing is orphaned.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import current_app
from redis.exceptions import RedisError

from signage import public_url
from signage.config import DEFAULT_SECRET_KEY, default_redis_url, instance_path, is_loopback
from signage.demo import DEMO_PASSWORD, DEMO_USERS
from signage.embedded_redis import RedisSocketInUse, start_redis
from signage.redis_client import URGENT_QUEUE, redis_from_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("signage.serve")


def _stop(procs: list[tuple[str, subprocess.Popen]]) -> None:
    """gunicorn and the workers first, Redis after them: a stopping worker still writes to Redis (its jobs'
    state, its own death), and without Redis it would end in a traceback."""
    for group in ([p for name, p in procs if name != "redis"], [p for name, p in procs if name == "redis"]):
        for proc in reversed(group):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in reversed(group):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _port_free(bind: str) -> bool:
    host, _, port = bind.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host or "127.0.0.1", int(port)))
        except OSError:
            return False
    return True


def _check_public_url(url: str, bind: str, redis_url: str) -> None:
    """Warn (and tell admins on the dashboard) when QR codes and SMS links would lead nowhere."""
    found = public_url.check(url, bind)
    for problem in found:
        log.warning("Public address: %s", public_url.describe(problem))
    public_url.record(redis_from_url(redis_url), found)


def run(bind: str, rq_workers: int = 1, setup_demo: bool = False) -> int:
    """Exit status 0 after Ctrl-C; 1 when a child died (everything else is stopped); 2 when it cannot start."""
    if current_app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY and not is_loopback(bind):
        # Anyone who reads the source can sign a session with the public key: it never leaves this machine.
        print(f"Refusing to listen on {bind} with the public development key (SIGNAGE_DEV_FIXED_KEY or "
              f"SECRET_KEY={DEFAULT_SECRET_KEY}): unset it (a random key is kept in the instance folder) or bind "
              f"to 127.0.0.1.", file=sys.stderr)
        return 2
    if not _port_free(bind):
        print(f"{bind} is already in use (another controller?). Stop it, or choose another address: "
              f"make run BIND=127.0.0.1:8001", file=sys.stderr)
        return 2
    env = dict(os.environ)
    # QR codes and SMS links name the address served, the same in every child
    env["PUBLIC_BASE_URL"] = public_url.for_serve(bind, env, current_app.config["PUBLIC_BASE_URL"])
    procs: list[tuple[str, subprocess.Popen]] = []
    instance = instance_path()
    stopping = failed = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if not os.environ.get("REDIS_URL"):
            socket_path = instance / "redis.sock"
            try:
                procs.append(("redis", start_redis(socket_path)))
            except RedisSocketInUse:
                print(f"Another controller is running with the instance folder {instance} (its Redis answers on "
                      f"{socket_path}). Stop it first, or set SIGNAGE_INSTANCE to another folder.", file=sys.stderr)
                return 2
            env["REDIS_URL"] = default_redis_url(instance)
        else:
            try:
                redis_from_url(env["REDIS_URL"]).ping()
            except RedisError as exc:
                print(f"Redis at REDIS_URL={env['REDIS_URL']} is unreachable: {exc}", file=sys.stderr)
                return 2
        bin_dir = Path(sys.executable).parent
        if setup_demo:  # after Redis is up: loading the demo enqueues renders and bumps manifest versions
            for args in (["db", "upgrade", "heads"], ["demo", "load"]):
                subprocess.run([str(bin_dir / "flask"), *args], env=env, cwd=PROJECT_ROOT, check=True)
        procs.append((
            "gunicorn",
            subprocess.Popen(
                [str(bin_dir / "gunicorn"), "-c", str(PROJECT_ROOT / "gunicorn.conf.py"), "--bind", bind, "wsgi:app"],
                env=env, cwd=PROJECT_ROOT,
            ),
        ))
        for _ in range(rq_workers):
            procs.append(("worker", subprocess.Popen([str(bin_dir / "flask"), "worker"], env=env, cwd=PROJECT_ROOT)))
        # One worker for the urgent queue alone: an alert's SMS never wait behind a long promotional batch.
        procs.append(("urgent worker", subprocess.Popen(
            [str(bin_dir / "flask"), "worker", "--queue", URGENT_QUEUE], env=env, cwd=PROJECT_ROOT)))
        host = bind if not bind.startswith("0.0.0.0") else bind.replace("0.0.0.0", "127.0.0.1")
        print(f"\n  Operator UI:   http://{host}/", flush=True)
        print(f"  Player:        http://{host}/play", flush=True)
        print(f"  Redis:         {env['REDIS_URL']}", flush=True)
        derived = "" if os.environ.get("PUBLIC_BASE_URL") else " (from the bind address; set PUBLIC_BASE_URL to change)"
        print(f"  Public links:  {env['PUBLIC_BASE_URL']}{derived}", flush=True)
        print(f"  Demo logins (password {DEMO_PASSWORD}):", flush=True)
        for username, role, code, display in DEMO_USERS:
            print(f"    {username:<10} {role.value:<9} {code:<6} {display}", flush=True)
        print("  Ctrl-C stops everything.\n", flush=True)
        threading.Thread(target=_check_public_url, args=(env["PUBLIC_BASE_URL"], bind, env["REDIS_URL"]),
                         daemon=True, name="public-url-check").start()
        while not stopping:
            for name, proc in procs:
                if proc.poll() is not None:
                    current_app.logger.error("%s exited with code %s; stopping", name, proc.returncode)
                    stopping = failed = True
            time.sleep(0.3)
    finally:
        _stop(procs)
    return 1 if failed else 0

"""Shared setup of the player benches: a throwaway instance (SQLite, embedded Redis, demo data) and the
controller under gunicorn with the `make run` settings (gunicorn.conf.py), all on loopback."""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchEnv:
    """Context manager: env vars, Redis, migrated database with the demo province, the Flask app."""

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="signage-bench-"))
        self.redis_proc = None
        self.gunicorn = None
        self.port = free_port()

    def __enter__(self) -> BenchEnv:
        try:
            return self._setup()
        except BaseException:
            self.__exit__()
            raise

    def _setup(self) -> BenchEnv:
        from signage.embedded_redis import start_redis

        instance = self.tmp / "instance"
        instance.mkdir()
        self.redis_proc = start_redis(self.tmp / "redis.sock", persist=False)
        self.env = dict(
            os.environ, DATABASE_URL=f"sqlite:///{instance / 'bench.db'}",
            REDIS_URL=f"unix://{self.tmp / 'redis.sock'}",
            SIGNAGE_INSTANCE=str(instance), MEDIA_ROOT=str(instance / "media"), SECRET_KEY="bench",
            FLASK_APP="wsgi",
        )
        os.environ.update({k: self.env[k] for k in ("DATABASE_URL", "REDIS_URL", "SIGNAGE_INSTANCE", "MEDIA_ROOT",
                                                    "SECRET_KEY")})
        from flask_migrate import upgrade

        from signage import create_app
        from signage.demo import load_demo

        self.app = create_app()
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.pushed = True
        upgrade(revision="heads")
        load_demo(Path(self.app.config["DEMO_DATA"]))
        return self

    def start_gunicorn(self) -> str:
        self.gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{self.port}",
             "--pythonpath", f"{ROOT},{ROOT / 'bench'}", "player_bench_wsgi:app"],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/bench/hello")
                if conn.getresponse().status == 200:
                    return f"127.0.0.1:{self.port}"
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        if self.gunicorn and self.gunicorn.poll() is None:
            self.gunicorn.terminate()
            self.gunicorn.wait(timeout=20)
        if getattr(self, "pushed", False):
            self.ctx.pop()
        if self.redis_proc:
            self.redis_proc.terminate()
            self.redis_proc.wait(timeout=10)


def pair_screen(screen_id: int) -> str:
    """A token for the screen, through the same functions the pairing UI uses."""
    from players import pairing
    from signage.extensions import db
    from signage.models import Screen

    request = pairing.start_pairing({"bench": True})
    pairing.claim(request.code, db.session.get(Screen, screen_id), None)
    return pairing.poll(request.id)[1]["token"]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def gunicorn_settings(env: dict) -> str:
    sys.path.insert(0, str(ROOT))
    import importlib.util

    spec = importlib.util.spec_from_file_location("gconf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return f"workers={conf.workers} worker_class={conf.worker_class} threads={conf.threads}"

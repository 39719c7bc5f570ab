"""Real servers for the tests: PostgreSQL cluster, gunicorn and RQ worker processes on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port} after {timeout}s")


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"{name} not found: install PostgreSQL (make test does it with apt)")


class PostgresServer:
    """A throwaway PostgreSQL cluster owned by the `postgres` OS user (initdb refuses root)."""

    def __init__(self, base: Path):
        self.base = base
        self.data = base / "pgdata"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start(self) -> str:
        self.base.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            shutil.chown(self.base, "postgres", "postgres")
        subprocess.run(
            [*self.as_user, _pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale", "C.UTF-8"],
            check=True, stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [*self.as_user, _pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.base / "pg.log"), "-o",
             f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
             f"-c full_page_writes=off -c max_connections=200", "start"],
            check=True, stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [*self.as_user, _pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "signage"],
            check=True,
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/signage"

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, _pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )


class ControllerProcess:
    """The controller under gunicorn, as `make run` serves it, on a free loopback port."""

    def __init__(self, env: dict[str, str], workers: int = 2):
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ControllerProcess:
        env = dict(self.env, GUNICORN_WORKERS=str(self.workers), GUNICORN_THREADS="4")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(PROJECT_ROOT / "gunicorn.conf.py"), "--bind",
             f"127.0.0.1:{self.port}", "wsgi:app"],
            env=env, cwd=PROJECT_ROOT, start_new_session=True,  # its own group: stop() can end the workers too
        )
        wait_for_port(self.port, self.proc)
        return self

    def stop(self) -> None:
        # SIGINT is gunicorn's quick shutdown: a graceful one (SIGTERM) waits for the browsers' keep-alive
        # connections, ~3 s per test that used a controller, and nothing here needs requests to finish
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            try:  # a master killed above leaves its workers behind: they would hold the port and the test's pipes
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class WorkerProcess:
    """A real `flask worker` (RQ worker with scheduler) process."""

    def __init__(self, env: dict[str, str], burst: bool = False):
        self.env = env
        self.burst = burst
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        args = [str(BIN / "flask"), "worker"] + (["--burst"] if self.burst else [])
        self.proc = subprocess.Popen(args, env=dict(self.env, FLASK_APP="wsgi"), cwd=PROJECT_ROOT)
        return self

    def wait(self, timeout: float = 60) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

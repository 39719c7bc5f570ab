"""`flask serve` (what `make run` starts): Redis, gunicorn and a worker under one process; Ctrl-C leaves
nothing behind, and a second controller on the same instance folder or address refuses to start instead of
cutting the first one off."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import BIN, PROJECT_ROOT, free_port, wait_for_port


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, frontier = set(), [pid]
    while frontier:
        kids = children.get(frontier.pop(), [])
        found.update(kids)
        frontier.extend(kids)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def serve_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "MEDIA_ROOT")}
    env.update(FLASK_APP="wsgi", SIGNAGE_INSTANCE=str(tmp_path / "instance"), GUNICORN_WORKERS="1",
               GUNICORN_THREADS="2")
    subprocess.run([str(BIN / "flask"), "db", "upgrade", "heads"], env=env, cwd=PROJECT_ROOT, check=True,
                   capture_output=True)
    return env


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "flask"), "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def without_public_url(serve_env) -> None:
    """PUBLIC_BASE_URL unset (asked before `running`, so the controller starts without it)."""
    serve_env.pop("PUBLIC_BASE_URL", None)


@pytest.fixture
def running(serve_env):
    port = free_port()
    proc = _serve(serve_env, port)
    try:
        wait_for_port(port, proc, timeout=60)
        yield proc, port
    finally:
        children = _descendants(proc.pid)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _page(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/play/", timeout=10) as response:
        return response.status


def test_ctrl_c_stops_redis_gunicorn_and_the_worker_and_leaves_no_process(running):
    proc, port = running
    assert _page(port) == 200
    children = _descendants(proc.pid)
    assert len(children) >= 3  # redis-server, gunicorn (and its worker), flask worker

    proc.send_signal(signal.SIGINT)

    assert proc.wait(timeout=30) == 0
    assert not [pid for pid in children if _alive(pid)]
    assert "Traceback" not in proc.stdout.read()  # Redis stops after the workers, which still write to it


def test_a_second_controller_on_the_same_instance_refuses_and_the_first_keeps_serving(running, serve_env):
    _, port = running
    second = _serve(serve_env, free_port())
    output, _ = second.communicate(timeout=30)
    assert second.returncode == 2
    assert "Another controller is running with the instance folder" in output
    assert _page(port) == 200


def test_a_busy_address_is_refused_before_anything_starts(running, serve_env, tmp_path):
    _, port = running
    other = dict(serve_env, SIGNAGE_INSTANCE=str(tmp_path / "other"))
    second = _serve(other, port)
    output, _ = second.communicate(timeout=30)
    assert second.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in output
    assert not (tmp_path / "other" / "redis.sock").exists()
    assert _page(port) == 200


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def test_served_on_another_port_every_process_links_to_that_port(without_public_url, running):
    """Issue 12, "dead links on every poster and SMS": with PUBLIC_BASE_URL unset, `flask serve --bind
    HOST:PORT` (what `make run BIND=…` runs) hands gunicorn (which draws the QR codes) and the worker (which
    writes the SMS opt-out links) the address it serves, not the default http://127.0.0.1:8000."""
    proc, port = running
    deadline = time.monotonic() + 20
    while True:  # the worker starts beside gunicorn, maybe a moment later
        children = {pid: _cmdline(pid) for pid in _descendants(proc.pid) if _alive(pid)}
        gunicorn = [pid for pid, cmd in children.items() if "gunicorn" in cmd]
        workers = [pid for pid, cmd in children.items() if " worker" in cmd and "gunicorn" not in cmd]
        if (gunicorn and workers) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert gunicorn and workers, children
    for pid in gunicorn + workers:
        assert _environ(pid).get("PUBLIC_BASE_URL") == f"http://127.0.0.1:{port}", children[pid]

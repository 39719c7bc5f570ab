"""A fleet looking after itself: 10,000 simulated screens sending a heartbeat (with diagnostics) every 30 s and
a capture of their glass every 15 min against one gunicorn (the `make run` settings) — server CPU per 1,000
screens, storage per screen per day, p99 of the heartbeat and capture endpoints, errors.

Each screen has its own token and a random phase in each period; latency is measured from the moment a
request was due (a client that falls behind is counted, not hidden). The fleet starts in its steady state
(`prime`): every screen online, its previous beat one period before its first one here, its status row
written at a random moment of the last PLAYER_HEARTBEAT_DB_INTERVAL_S (so rows come due during the run at
the steady rate, not all at once as after a cold start). The first heartbeat period is a warm-up; figures
are from the measured window after it. CPU is the gunicorn processes' user + system time over the window (from
/proc); storage is the database's growth per capture stored (the status row is one per screen and does not
grow) times the captures a screen sends in a day. Loopback only, bounded in time.

    .venv/bin/python bench/player_health.py [--screens 10000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import multiprocessing as mp
import os
import random
import threading
import time
from pathlib import Path

from fleet_polling import create_fleet
from player_bench_env import BenchEnv, gunicorn_settings, percentile

BEAT_PERIOD_S = 30.0
CAPTURE_PERIOD_S = 15 * 60.0


def prime(fleet: list[tuple[int, str]], first_due: dict[int, float], t0: float, rng: random.Random) -> None:
    """The fleet's state as after hours of running (see the module docstring): status rows and open online
    intervals in bulk, then the Redis keys a heartbeat reads."""
    from datetime import UTC, datetime

    from players import heartbeat
    from players.models import ScreenInterval, ScreenStatus
    from signage.extensions import db
    from signage.redis_client import get_redis

    interval_s = 300
    started = datetime.fromtimestamp(t0 - 3600, UTC)
    body = json.loads(beat(0))
    db.session.execute(db.insert(ScreenInterval), [
        {"screen_id": sid, "online": True, "started_at": started, "ended_at": None} for sid, _ in fleet])
    db.session.execute(db.insert(ScreenStatus), [
        {"screen_id": sid, "last_seen_at": started, "playing": body["playing"], "app_version": "bench",
         "screen_w": 1920, "screen_h": 1080, "free_storage": 8_000_000_000, "errors": [], "remote_addr": "127.0.0.1",
         "diagnostics": body["diagnostics"]} for sid, _ in fleet])
    db.session.commit()
    pipe = get_redis().pipeline(transaction=False)
    for sid, _ in fleet:
        last_ms = int((t0 + first_due[sid] - BEAT_PERIOD_S) * 1000)
        state = heartbeat.normalise(json.loads(beat(sid)), last_ms, "127.0.0.1")
        hb, sig, written, poll, online, _version = heartbeat.state_keys(sid)
        pipe.set(hb, json.dumps(state))
        pipe.set(sig, heartbeat._state_signature(state))
        pipe.set(written, last_ms - int(rng.uniform(0, interval_s - BEAT_PERIOD_S) * 1000))
        pipe.set(poll, 30, ex=3600)
        pipe.set(online, 1, ex=86400)
    pipe.execute()


def capture_jpeg(seed: int) -> str:
    """A 640×360 JPEG like a player's capture: a photo-like field, a text band and a ticker bar."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    img = Image.effect_noise((640, 360), 40).convert("RGB").filter(ImageFilter.GaussianBlur(1.2))
    tint = Image.new("RGB", (640, 360), (rng.randrange(40, 200), rng.randrange(60, 180), rng.randrange(80, 220)))
    img = Image.blend(img, tint, 0.6)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 280, 640, 330), fill=(140, 0, 0))
    draw.text((40, 120), "MŨI NÉ — Bình Thuận", fill="white")
    draw.rectangle((0, 330, 640, 360), fill=(0, 0, 0))
    draw.text((10, 338), "Chào mừng đến Bình Thuận  ◆  Welcome to Binh Thuan", fill=(255, 212, 0))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=72)
    return base64.b64encode(out.getvalue()).decode()


def beat(seq: int) -> bytes:
    return json.dumps({
        "playing": {"key": f"media:{seq % 7}", "name": "Mũi Né", "entry_id": None, "lang": "vi"}, "alert": False,
        "app_version": "bench", "screen_w": 1920, "screen_h": 1080, "free_storage": 8_000_000_000, "errors": [],
        "diagnostics": {"missing_assets": [], "corrupt_assets": [], "free_storage_bytes": 8_000_000_000,
                        "js_errors": [], "clock_offset_ms": 120, "rtt_ms": 35, "browser": "Chromium 120 (bench)",
                        "page_uptime_s": 3600 + seq, "blank_s": 0},
        "sent_at": "2026-12-01T08:00:00Z"}).encode()


def _client(addr: str, jobs: list, threads: int, t0: float, images: list[str], out) -> None:
    host, port = addr.split(":")
    lanes = [jobs[i::threads] for i in range(threads)]
    results: list[tuple[str, float, int, float]] = []
    lock = threading.Lock()

    def lane(items):
        conn = http.client.HTTPConnection(host, int(port), timeout=20)
        local = []
        for due, kind, screen_id, token in items:
            wait = t0 + due - time.time()
            if wait > 0:
                time.sleep(wait)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            if kind == "beat":
                path, body = "/api/player/v1/heartbeat", beat(screen_id)
            else:
                path = "/api/player/v1/captures"
                body = json.dumps({"jpeg": images[screen_id % len(images)], "taken_at_ms": int(time.time() * 1000),
                                   "reason": "scheduled", "shows": {"name": "Mũi Né", "ticker": "Chào mừng"}}).encode()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = -1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=20)
            local.append((kind, time.time() - (t0 + due), status, due))
        with lock:
            results.extend(local)

    workers = [threading.Thread(target=lane, args=(items,)) for items in lanes]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(results)


def db_bytes(db, path: Path) -> int:
    """The database file's size with the write-ahead log folded in (SQLite in WAL mode writes there first)."""
    db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    db.session.commit()
    return path.stat().st_size


def cpu_seconds(master_pid: int) -> float:
    """User + system CPU seconds of the gunicorn master and its workers so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screens", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window, after one warm-up period")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=24)
    args = parser.parse_args()
    rng = random.Random(13)
    with BenchEnv() as env:
        fleet = create_fleet(args.screens)
        images = [capture_jpeg(i) for i in range(8)]
        capture_bytes = sum(len(base64.b64decode(i)) for i in images) / len(images)
        addr = env.start_gunicorn()
        warm, end = BEAT_PERIOD_S, BEAT_PERIOD_S + args.seconds
        first_due = {sid: rng.uniform(0, BEAT_PERIOD_S) for sid, _ in fleet}
        jobs = []
        for sid, token in fleet:
            due = first_due[sid]
            while due < end:
                jobs.append((due, "beat", sid, token))
                due += BEAT_PERIOD_S
            due = rng.uniform(0, CAPTURE_PERIOD_S)  # the fleet's captures spread over 15 minutes
            while due < end:
                jobs.append((due, "capture", sid, token))
                due += CAPTURE_PERIOD_S
        jobs.sort()
        db_path = Path(env.env["DATABASE_URL"].removeprefix("sqlite:///"))
        shards = [jobs[i::args.procs] for i in range(args.procs)]
        t0 = time.time() + 15.0  # priming takes a few seconds
        prime(fleet, first_due, t0, rng)
        assert time.time() < t0, "priming took too long"
        queue: mp.Queue = mp.Queue()
        clients = [mp.Process(target=_client, args=(addr, s, args.threads, t0, images, queue)) for s in shards]
        for c in clients:
            c.start()
        time.sleep(max(0.0, t0 + warm - time.time()))
        from players.models import Capture
        from signage.extensions import db

        cpu0, size0 = cpu_seconds(env.gunicorn.pid), db_bytes(db, db_path)

        captures0 = db.session.scalar(db.select(db.func.count()).select_from(Capture))
        time.sleep(max(0.0, t0 + end - time.time()))
        cpu1 = cpu_seconds(env.gunicorn.pid)  # the window's CPU (a server that fell behind is flagged below)
        results = [r for _ in clients for r in queue.get()]
        for c in clients:
            c.join()
        db.session.rollback()
        captures1 = db.session.scalar(db.select(db.func.count()).select_from(Capture))
        size1 = db_bytes(db, db_path)
        measured = [r for r in results if r[3] >= warm]
        print(f"gunicorn: {gunicorn_settings(env.env)}; clients: {args.procs} processes x {args.threads} keep-alive "
              f"connections")
        print(f"fleet: {args.screens} screens; heartbeat every {BEAT_PERIOD_S:.0f} s "
              f"({args.screens / BEAT_PERIOD_S:.0f} req/s), capture every {CAPTURE_PERIOD_S / 60:.0f} min "
              f"({args.screens / CAPTURE_PERIOD_S:.1f} req/s, {capture_bytes / 1024:.0f} KiB each); "
              f"warm-up {warm:.0f} s, measured {args.seconds:.0f} s")
        for kind, want in (("beat", 200), ("capture", 201)):
            rows = [r for r in measured if r[0] == kind]
            lat = [r[1] * 1000 for r in rows if r[2] == want]
            errors = sum(1 for r in rows if r[2] != want)
            print(f"{kind:8}: {len(rows)} requests, p50 {percentile(lat, 50):.1f} ms, "
                  f"p99 {percentile(lat, 99):.1f} ms, max {max(lat) if lat else float('nan'):.1f} ms, errors {errors}")
        cpu = cpu1 - cpu0
        behind = percentile([r[1] for r in measured], 99) > 1.0
        print(f"server CPU: {cpu:.1f} s over {args.seconds:.0f} s = {cpu / args.seconds:.2f} cores for the fleet, "
              f"{cpu / args.seconds / (args.screens / 1000):.3f} cores per 1,000 screens"
              + ("  (the server fell behind: this is what it managed, not what the fleet needs)" if behind else ""))
        stored = max(1, captures1 - captures0)
        per_capture = (size1 - size0) / stored
        per_day = per_capture * (24 * 3600 / CAPTURE_PERIOD_S)
        print(f"storage: {stored} captures stored, database +{(size1 - size0) / 1e6:.1f} MB → {per_capture / 1024:.1f} "
              f"KiB per capture → {per_day / 1e6:.2f} MB per screen per day (kept PLAYER_CAPTURE_RETENTION_H, "
              f"default 24 h: {per_day * args.screens / 1e9:.1f} GB for the fleet)")


if __name__ == "__main__":
    main()

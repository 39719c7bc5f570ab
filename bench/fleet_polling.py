"""A simulated fleet: 10,000 screens polling the manifest every 30 s (≈333 req/s) against one gunicorn.

Each simulated screen holds its own token and ETag and polls on its own schedule (a random phase in the
30 s period); during the run a few screens get schedule edits (versions bumped) so they fetch a full
manifest on their next poll, as after a real edit. Latency is measured from the moment each poll was
due (so a client that falls behind is counted, not hidden). Loopback only, bounded in time.

    .venv/bin/python bench/fleet_polling.py [--screens 10000] [--period 30] [--seconds 60]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import multiprocessing as mp
import random
import secrets
import threading
import time

from player_bench_env import BenchEnv, gunicorn_settings, percentile


def _client(addr: str, polls: list[tuple[float, int, str, str]], threads: int, t0: float, out) -> None:
    host, port = addr.split(":")
    lanes = [polls[i::threads] for i in range(threads)]
    etags: dict[int, str] = {}
    results: list[tuple[float, int]] = []
    lock = threading.Lock()

    def lane(items):
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        local = []
        for due, screen_id, token, etag in items:
            wait = t0 + due - time.time()
            if wait > 0:
                time.sleep(wait)
            headers = {"Authorization": f"Bearer {token}", "If-None-Match": etags.get(screen_id, etag)}
            try:
                conn.request("GET", "/api/player/v1/manifest", headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if status == 200:
                    etags[screen_id] = response.getheader("ETag")
            except (OSError, http.client.HTTPException):
                status = -1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
            local.append((time.time() - (t0 + due), status, due))
        with lock:
            results.extend(local)

    workers = [threading.Thread(target=lane, args=(lane_items,)) for lane_items in lanes]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(results)


def create_fleet(count: int) -> list[tuple[int, str]]:
    """`count` screens with tokens (bulk inserts, token cache primed as after pairing)."""
    from players.auth import publish_tokens
    from players.models import PlayerToken
    from signage.extensions import db
    from signage.models import Region, Screen

    region = db.session.scalar(db.select(Region).where(Region.parent_id.is_(None)))
    db.session.execute(db.insert(Screen), [
        {"name": f"Bench screen {i:05d}", "region_id": region.id, "kind": "lcd", "width": 1920, "height": 1080,
         "orientation": "landscape", "languages": ["vi"], "tags": [], "organisation": "", "location": "",
         "poll_interval": 30}
        for i in range(count)
    ])
    ids = list(db.session.scalars(db.select(Screen.id).where(Screen.name.like("Bench screen %")).order_by(Screen.id)))
    tokens = {sid: secrets.token_urlsafe(32) for sid in ids}
    db.session.execute(db.insert(PlayerToken), [
        {"screen_id": sid, "token_hash": hashlib.sha256(tok.encode()).hexdigest()} for sid, tok in tokens.items()
    ])
    db.session.commit()
    publish_tokens(ids)
    return list(tokens.items())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screens", type=int, default=10_000)
    parser.add_argument("--period", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=24)
    parser.add_argument("--edits-per-5s", type=int, default=20, help="screens whose schedule changes every 5 s")
    args = parser.parse_args()
    rng = random.Random(42)
    with BenchEnv() as env:
        from players.version import player_version
        from scheduling import versions

        fleet = create_fleet(args.screens)
        versions.bump(sid for sid, _ in fleet)
        now = time.time()
        code = player_version()
        etags = {sid: f'"{versions.etag(sid, versions.counter(sid), now, code)}"' for sid, _ in fleet}
        addr = env.start_gunicorn()
        polls = []
        for sid, token in fleet:
            due = rng.uniform(0, args.period)
            while due < args.seconds:
                polls.append((due, sid, token, etags[sid]))
                due += args.period
        polls.sort()
        shards = [polls[i::args.procs] for i in range(args.procs)]
        t0 = time.time() + 1.0
        queue: mp.Queue = mp.Queue()
        clients = [mp.Process(target=_client, args=(addr, shard, args.threads, t0, queue)) for shard in shards]
        for c in clients:
            c.start()
        edited = 0
        while time.time() < t0 + args.seconds:
            time.sleep(5)
            versions.bump(rng.sample([sid for sid, _ in fleet], args.edits_per_5s))
            edited += args.edits_per_5s
        results = [r for _ in clients for r in queue.get()]
        for c in clients:
            c.join()
        latencies = [lat * 1000 for lat, status, _ in results if status in (200, 304)]
        errors = sum(1 for _, status, _ in results if status not in (200, 304))
        full = sum(1 for _, status, _ in results if status == 200)
        by_status = {code: [lat * 1000 for lat, status, _ in results if status == code] for code in (200, 304)}
        tenth = args.seconds / 10
        by_tenth = [[lat * 1000 for lat, _, due in results if k * tenth <= due < (k + 1) * tenth] for k in range(10)]
        print(f"gunicorn: {gunicorn_settings(env.env)}; clients: {args.procs} processes x {args.threads} keep-alive "
              f"connections")
        print(f"fleet: {args.screens} screens, one poll each per {args.period:.0f} s "
              f"(target {args.screens / args.period:.0f} req/s) for {args.seconds:.0f} s; {edited} schedule edits")
        print(f"requests: {len(results)} ({len(results) / args.seconds:.0f} req/s), "
              f"304: {len(results) - full - errors}, 200 (full manifest): {full}, errors: {errors}")
        print(f"latency from due time: p50 {percentile(latencies, 50):.1f} ms, p90 {percentile(latencies, 90):.1f} ms, "
              f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms   (aim: p99 < 50 ms, 0 errors)")
        for code, values in by_status.items():
            print(f"  {code}: p50 {percentile(values, 50):.1f} ms, p99 {percentile(values, 99):.1f} ms")
        print("  p99 per tenth of the run (ms): " + ", ".join(f"{percentile(v, 99):.0f}" for v in by_tenth))


if __name__ == "__main__":
    main()

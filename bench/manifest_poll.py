"""Manifest poll throughput on the 304 path vs a hello-world Flask route, same gunicorn, same run.

Both are served by one gunicorn started with gunicorn.conf.py (the `make run` settings). Load: client
processes × threads, each a keep-alive http.client connection in a closed loop. Phases alternate
(hello, manifest, manifest via Flask, and again) so drift in the machine's load hits both sides.

    .venv/bin/python bench/manifest_poll.py [--seconds 6] [--procs 2] [--threads 8]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import threading
import time

from player_bench_env import BenchEnv, gunicorn_settings, pair_screen


def _client(host: str, port: int, path: str, headers: dict, expect: int, seconds: float, threads: int, out) -> None:
    counts, errors = [0] * threads, [0] * threads
    stop_at = time.monotonic() + seconds

    def loop(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        while time.monotonic() < stop_at:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == expect:
                    counts[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((sum(counts), sum(errors)))


def run_phase(addr: str, path: str, headers: dict, expect: int, seconds: float, procs: int, threads: int):
    host, port = addr.split(":")
    queue: mp.Queue = mp.Queue()
    clients = [mp.Process(target=_client, args=(host, int(port), path, headers, expect, seconds, threads, queue))
               for _ in range(procs)]
    started = time.monotonic()
    for c in clients:
        c.start()
    results = [queue.get() for _ in clients]
    for c in clients:
        c.join()
    elapsed = time.monotonic() - started
    ok, errors = sum(r[0] for r in results), sum(r[1] for r in results)
    return ok / elapsed, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with BenchEnv() as env:
        from signage.extensions import db
        from signage.models import Screen

        screen = db.session.scalars(db.select(Screen).order_by(Screen.id)).first()
        token = pair_screen(screen.id)
        addr = env.start_gunicorn()
        host, port = addr.split(":")
        conn = http.client.HTTPConnection(host, int(port))
        conn.request("GET", "/api/player/v1/manifest", headers={"Authorization": f"Bearer {token}"})
        first = conn.getresponse()
        first.read()
        assert first.status == 200, first.status
        poll = {"Authorization": f"Bearer {token}", "If-None-Match": first.getheader("ETag")}
        print(f"gunicorn: {gunicorn_settings(env.env)}; load: {args.procs} processes x {args.threads} keep-alive "
              f"connections, {args.seconds:.0f} s per phase")
        run_phase(addr, "/bench/hello", {}, 200, 2, args.procs, args.threads)  # warm-up
        run_phase(addr, "/api/player/v1/manifest", poll, 304, 2, args.procs, args.threads)
        hello, manifest, via_flask, errors = [], [], [], 0
        for _ in range(2):
            for path, rates, expect in (("/bench/hello", hello, 200), ("/api/player/v1/manifest", manifest, 304),
                                        ("/bench/manifest-via-flask", via_flask, 304)):
                rate, err = run_phase(addr, path, poll if expect == 304 else {}, expect, args.seconds, args.procs,
                                      args.threads)
                rates.append(rate)
                errors += err
        h, m, f = (sum(r) / len(r) for r in (hello, manifest, via_flask))
        print(f"hello-world route      : {h:8.0f} req/s  (phases: {', '.join(f'{r:.0f}' for r in hello)})")
        print(f"manifest 304 (ETag hit): {m:8.0f} req/s  (phases: {', '.join(f'{r:.0f}' for r in manifest)})")
        print(f"same view via Flask    : {f:8.0f} req/s  (phases: {', '.join(f'{r:.0f}' for r in via_flask)}; "
              "304 answered by the Flask view, without the fast-path middleware)")
        print(f"ratio manifest/hello   : {m / h:8.2f}   (aim >= 0.9); via Flask/hello: {f / h:.2f}   errors: {errors}")


if __name__ == "__main__":
    main()

"""Emergency-alert poll throughput (the players' 2-second fast path) on its 304 path vs a hello-world route.

Same gunicorn (gunicorn.conf.py, the `make run` settings), same run, phases alternating so drift in the
machine's load hits both sides. Also prints how many screens one box can serve at the default 2 s interval.

    .venv/bin/python bench/alerts_poll.py [--seconds 5] [--procs 2] [--threads 8]
"""

from __future__ import annotations

import argparse
import http.client

from manifest_poll import run_phase
from player_bench_env import BenchEnv, gunicorn_settings, pair_screen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with BenchEnv() as env:
        from alerts.service import raise_alert
        from signage.extensions import db
        from signage.models import Region, Screen

        screen = db.session.scalars(db.select(Screen).order_by(Screen.id)).first()
        root = db.session.scalars(db.select(Region).where(Region.parent_id.is_(None))).first()
        raise_alert(region_id=root.id, messages={"vi": "Cảnh báo thử", "en": "Test alert"})
        token = pair_screen(screen.id)
        addr = env.start_gunicorn()
        host, port = addr.split(":")
        conn = http.client.HTTPConnection(host, int(port))
        conn.request("GET", "/api/player/v1/alerts", headers={"Authorization": f"Bearer {token}"})
        first = conn.getresponse()
        body = first.read()
        assert first.status == 200 and b"Test alert" in body, (first.status, body)
        poll = {"Authorization": f"Bearer {token}", "If-None-Match": first.getheader("ETag")}
        print(f"gunicorn: {gunicorn_settings(env.env)}; load: {args.procs} processes x {args.threads} keep-alive "
              f"connections, {args.seconds:.0f} s per phase")
        run_phase(addr, "/bench/hello", {}, 200, 2, args.procs, args.threads)  # warm-up
        run_phase(addr, "/api/player/v1/alerts", poll, 304, 2, args.procs, args.threads)
        hello, alerts, errors = [], [], 0
        for _ in range(2):
            rate, err = run_phase(addr, "/bench/hello", {}, 200, args.seconds, args.procs, args.threads)
            hello.append(rate)
            errors += err
            rate, err = run_phase(addr, "/api/player/v1/alerts", poll, 304, args.seconds, args.procs, args.threads)
            alerts.append(rate)
            errors += err
        h, a = sum(hello) / len(hello), sum(alerts) / len(alerts)
        print(f"hello-world route    : {h:8.0f} req/s  (phases: {', '.join(f'{r:.0f}' for r in hello)})")
        print(f"alerts 304 (ETag hit): {a:8.0f} req/s  (phases: {', '.join(f'{r:.0f}' for r in alerts)})")
        print(f"ratio alerts/hello   : {a / h:8.2f}   errors: {errors}")
        print(f"screens at a 2 s alert poll, box saturated: {a * 2:8.0f}  "
              f"(PLAYER_ALERT_POLL_S=10 → {a * 10:.0f})")


if __name__ == "__main__":
    main()

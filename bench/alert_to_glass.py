"""Alert to glass: from raising a province-wide alert to each player's acknowledgement.

3 real headless Chromium players (Debian's chromium through Playwright) and N simulated players (default 2,000)
poll the alert fast path every PLAYER_ALERT_POLL_S (2 s) against the controller under gunicorn with the
`make run` settings, all on loopback. A simulated player is what the browser player does on the wire: it polls
with its ETag (a random phase in the interval, its own schedule; a client that falls behind is counted, not
hidden) and, when an answer carries the alert, acknowledges it (`POST /alerts/ack`). Latency is measured from
the moment `raise_alert` is called to the moment the controller received each acknowledgement (the times the
controller stored; one clock), for the simulated and the Chromium players separately.

    .venv/bin/python bench/alert_to_glass.py [--players 2000] [--procs 2] [--conns 48] [--warmup 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import time

from fleet_polling import create_fleet
from player_bench_env import BenchEnv, gunicorn_settings, pair_screen, percentile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-timer-throttling",
                 "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"]


def open_players(browser, base_url: str, tokens: list[str], ready: str) -> list:
    """One paired Chromium player page per token at `<base_url>/play` (960x540), each waited on until the
    JavaScript condition `ready` holds (e.g. its alert polls have started)."""
    pages = []
    for token in tokens:
        context = browser.new_context(viewport={"width": 960, "height": 540})
        context.add_init_script(f"localStorage.setItem('signage.player.token', {json.dumps(token)})")
        page = context.new_page()
        page.goto(f"{base_url}/play")
        pages.append(page)
    for page in pages:
        page.wait_for_function(f"() => window.__player && {ready}", timeout=30_000)
    return pages


class Conn:
    """A minimal HTTP/1.1 keep-alive client connection (asyncio streams): enough for GET/POST with small bodies."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b""):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            status_line = await self.reader.readuntil(b"\r\n")
            status = int(status_line.split()[1])
            length, etag = 0, None
            while True:
                line = await self.reader.readuntil(b"\r\n")
                if line == b"\r\n":
                    break
                name, _sep, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "etag":
                    etag = value.strip()
            data = await self.reader.readexactly(length) if length else b""
            return status, etag, data
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            self.close()
            raise

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _players(addr: str, players: list[tuple[int, str]], interval: float, conns: int, stop, raised, out) -> None:
    host, port = addr.split(":")
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(conns):
        pool.put_nowait(Conn(host, int(port)))
    stats = {"polls": 0, "full": 0, "errors": 0, "acks": 0, "lag_ms": []}
    rng = random.Random(players[0][0] if players else 0)

    async def call(method, path, headers, body=b""):
        conn = await pool.get()
        try:
            return await conn.request(method, path, headers, body)
        finally:
            pool.put_nowait(conn)

    async def player(screen_id: int, token: str):
        auth = {"Authorization": f"Bearer {token}"}
        etag, acked = None, set()
        due = time.time() + rng.uniform(0, interval)
        while not stop.is_set():
            wait = due - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            stats["lag_ms"].append((due, (time.time() - due) * 1000))
            try:
                status, tag, data = await call("GET", "/api/player/v1/alerts", dict(auth, **(
                    {"If-None-Match": etag} if etag else {})))
                stats["polls"] += 1
                if status == 200:
                    stats["full"] += 1
                    etag = tag
                    shown = int(time.time() * 1000)
                    new = [a["id"] for a in json.loads(data)["alerts"] if a["id"] not in acked]
                    if new:
                        body = json.dumps({"acks": [{"alert_id": i, "shown_at_ms": shown} for i in new]}).encode()
                        status, _tag, _data = await call("POST", "/api/player/v1/alerts/ack",
                                                         dict(auth, **{"Content-Type": "application/json"}), body)
                        if status == 200:
                            acked.update(new)
                            stats["acks"] += len(new)
                elif status != 304:
                    stats["errors"] += 1
            except (OSError, asyncio.IncompleteReadError, ValueError):
                stats["errors"] += 1
            due += interval

    tasks = [asyncio.ensure_future(player(sid, tok)) for sid, tok in players]
    while not stop.is_set():
        await asyncio.sleep(0.2)
    await asyncio.sleep(interval)
    for t in tasks:
        t.cancel()
    lags, t0 = stats.pop("lag_ms"), raised.value
    stats["lag_before_ms"] = [lag for due, lag in lags if t0 - 2 * interval <= due < t0]  # steady state
    stats["lag_after_ms"] = [lag for due, lag in lags if due >= t0]
    out.put(stats)


def _client(addr, players, interval, conns, stop, raised, out) -> None:
    asyncio.run(_players(addr, players, interval, conns, stop, raised, out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--players", type=int, default=2000, help="simulated players")
    parser.add_argument("--chromium", type=int, default=3, help="real Chromium players")
    parser.add_argument("--procs", type=int, default=2, help="processes driving the simulated players")
    parser.add_argument("--conns", type=int, default=48, help="keep-alive connections per process")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds of polling before the alert")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    with BenchEnv() as env:
        from alerts import acks
        from alerts.service import raise_alert
        from signage.extensions import db
        from signage.models import Region, Screen

        interval = float(env.app.config["PLAYER_ALERT_POLL_S"])
        real = [s.id for s in db.session.scalars(db.select(Screen).order_by(Screen.id).limit(args.chromium))]
        real_tokens = [pair_screen(sid) for sid in real]
        fleet = create_fleet(args.players)
        root = db.session.scalars(db.select(Region).where(Region.parent_id.is_(None))).first()
        addr = env.start_gunicorn()
        stop, raised, out = mp.Event(), mp.Value("d", float("inf")), mp.Queue()
        shards = [fleet[i::args.procs] for i in range(args.procs)]
        clients = [mp.Process(target=_client, args=(addr, shard, interval, args.conns, stop, raised, out))
                   for shard in shards]
        for c in clients:
            c.start()

        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            pages = open_players(browser, f"http://{addr}", real_tokens, "window.__player.alerts.counters.polls >= 2")
            time.sleep(args.warmup)

            t0 = raised.value = time.time()
            alert = raise_alert(region_id=root.id, severity="extreme",
                                messages={"vi": "Bão số 9 đổ bộ: ở trong nhà.", "en": "Typhoon: stay indoors."})
            raised_s = time.time() - t0
            expected = args.players + len(real)
            deadline = t0 + args.timeout
            found: dict = {}
            while time.time() < deadline:
                found = acks._from_redis(alert.id)
                if len(found) >= expected:
                    break
                time.sleep(0.2)
            shown_in_browser = sum(page.evaluate("!document.getElementById('alert').hidden") for page in pages)
            stop.set()
            stats = [out.get(timeout=60) for _ in clients]
            for c in clients:
                c.join()
            browser.close()

        t0_ms = t0 * 1000
        sim = [(received - t0_ms) / 1000 for sid, (_shown, received) in found.items() if sid not in real]
        chromium = [(received - t0_ms) / 1000 for sid, (_shown, received) in found.items() if sid in real]
        everyone = sim + chromium
        polls, errors = sum(s["polls"] for s in stats), sum(s["errors"] for s in stats)
        print(f"gunicorn: {gunicorn_settings(env.env)}; simulated players: {args.players} in {args.procs} processes "
              f"x {args.conns} keep-alive connections; real Chromium players: {len(real)}; poll every {interval:g} s")
        before = [lag for s in stats for lag in s["lag_before_ms"]]
        after = [lag for s in stats for lag in s["lag_after_ms"]]
        print(f"polling: {polls} polls, errors {errors}; polls started late by the clients (the box is shared by "
              f"clients and server): p99 {percentile(before, 99):.0f} ms in the two intervals before the alert, "
              f"{percentile(after, 99):.0f} ms after")
        print(f"raise_alert (commit + resolve + publish {args.players + 8} screens' answers): {raised_s * 1000:.0f} ms")
        print(f"acknowledged: {len(found)} of {expected} ({len(chromium)} of {len(real)} Chromium; "
              f"{shown_in_browser} showing it now)")

        def line(name, values):
            if not values:
                return f"{name}: none"
            return (f"{name}: p50 {percentile(values, 50):.2f} s, p99 {percentile(values, 99):.2f} s, "
                    f"max {max(values):.2f} s")

        print(line("alert to acknowledgement, simulated", sim))
        print(line("alert to acknowledgement, Chromium ", chromium))
        print(line("alert to acknowledgement, all      ", everyone) + f"   (aim: p99 <= {interval + 1:g} s)")


if __name__ == "__main__":
    main()

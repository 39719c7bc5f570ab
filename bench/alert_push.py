"""Alert to glass with push: a province-wide alert reaching N players (default 10,000) that hold server-sent
event streams through nginx + nchan (players.push; the configuration `flask players push-proxy` writes), in
front of the controller under gunicorn with the `make run` settings, all on loopback.

A simulated player is what the browser player does on the wire once it knows its stream: it holds
`GET /push/sub/<channel>` open (one asyncio process holds thousands), applies each message, acknowledges an
alert it has not acknowledged yet as the player does while its stream is open (`POST <ack_url>` with
`{"channel", "acks"}`: nginx + nchan take it, the consumer of `flask players push-proxy` records it —
players.push_acks; keep-alive connections shared by the process) and polls `/alerts` with its ETag every
PLAYER_PUSH_POLL_S (30 s, a random phase) as the consistency check. (Its channel and ack URL come from
`players.alerts.push_part`, what its first poll would have answered: 10,000 first polls are start-up, not the
alert.) 3 real headless Chromium players open the player page through nginx as well. nginx and the consumer
run as `flask players push-proxy` runs them (the command itself). Measured from the moment `raise_alert` is
called: each simulated player's glass (the message received, the player's clock = the bench's), and each
acknowledgement as the server recorded it (the consumer's clock when it recorded it).

    .venv/bin/python bench/alert_push.py [--players 10000] [--procs 2] [--chromium 3] [--ack-conns 24]

Polling figures for comparison: bench/alert_to_glass.py (2,000 players polling every 2 s; README).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import resource
import socket
import subprocess
import sys
import time

from alert_to_glass import CHROMIUM, CHROMIUM_ARGS, Conn, open_players
from fleet_polling import create_fleet
from player_bench_env import BIN, ROOT, BenchEnv, free_port, gunicorn_settings, pair_screen, percentile


def _raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


async def _players(port: int, players: list[tuple[int, str, str, str]], ack_conns: int, check_s: float,
                   connected, stop, out) -> None:
    """players: (screen id, token, stream path, acknowledgement path, current ETag)."""
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(ack_conns):
        pool.put_nowait(Conn("127.0.0.1", port))
    stats = {"connected": 0, "errors": 0, "acks": 0, "ack_errors": 0, "polls": 0, "poll_200": 0, "messages": 0,
             "timeouts": 0, "glass": {}}
    gate = asyncio.Semaphore(256)  # connections being opened at once (the listen backlog)
    rng = random.Random(players[0][0] if players else 0)

    async def call(method, path, headers, body=b""):
        conn = await pool.get()
        try:
            return await asyncio.wait_for(conn.request(method, path, headers, body), 10)
        except TimeoutError:
            stats["timeouts"] += 1
            conn.close()
            raise OSError("no answer in 10 s") from None
        finally:
            pool.put_nowait(conn)

    async def acknowledge(ack_path: str, ids: list[int]) -> None:
        shown = int(time.time() * 1000)
        body = json.dumps({"channel": ack_path.rsplit("/", 1)[1],
                           "acks": [{"alert_id": i, "shown_at_ms": shown} for i in ids]}).encode()
        try:
            status, _tag, _data = await call("POST", ack_path, {"Content-Type": "text/plain"}, body)
            stats["acks" if status == 201 else "ack_errors"] += 1  # 201: the consumer read it (push.js)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            stats["ack_errors"] += 1

    async def player(screen_id: int, token: str, path: str, ack_path: str, etag: str) -> None:
        auth = {"Authorization": f"Bearer {token}"}
        state = {"etag": etag, "acked": set()}

        async def check() -> None:  # the consistency poll
            await asyncio.sleep(rng.uniform(0, check_s))
            while not stop.is_set():
                try:
                    status, tag, _data = await call("GET", "/api/player/v1/alerts",
                                                    dict(auth, **{"If-None-Match": state["etag"]}))
                    stats["polls"] += 1
                    if status == 200:
                        stats["poll_200"] += 1
                        state["etag"] = tag
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    stats["errors"] += 1
                await asyncio.sleep(check_s)

        async with gate:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
                             .encode())
                status = int((await reader.readuntil(b"\r\n")).split()[1])
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                stats["errors"] += 1
                return
        if status != 200:
            stats["errors"] += 1
            return
        stats["connected"] += 1
        with connected.get_lock():
            connected.value += 1
        checker = asyncio.ensure_future(check())
        data: list[bytes] = []
        try:
            while True:
                line = (await reader.readline()).rstrip(b"\r\n")
                if line.startswith(b"data:"):
                    data.append(line[5:].removeprefix(b" "))
                    continue
                if line or not data:
                    if reader.at_eof():
                        break
                    continue
                answer, data = json.loads(b"\n".join(data)), []
                stats["messages"] += 1
                state["etag"] = f'"a{screen_id}-{answer["version"]}"'
                new = [a["id"] for a in answer["alerts"] if a["id"] not in state["acked"]]
                if new:
                    stats["glass"].setdefault(screen_id, time.time())
                    state["acked"].update(new)
                    asyncio.ensure_future(acknowledge(ack_path, new))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            stats["errors"] += 1
        finally:
            checker.cancel()
            writer.close()

    tasks = [asyncio.ensure_future(player(*p)) for p in players]
    while not stop.is_set():
        await asyncio.sleep(0.2)
    for t in tasks:
        t.cancel()
    out.put(stats)


def _client(port, players, ack_conns, check_s, connected, stop, out) -> None:
    _raise_nofile()
    asyncio.run(_players(port, players, ack_conns, check_s, connected, stop, out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--players", type=int, default=10_000, help="simulated players holding streams")
    parser.add_argument("--chromium", type=int, default=3, help="real Chromium players")
    parser.add_argument("--procs", type=int, default=2, help="processes holding the simulated players' streams")
    parser.add_argument("--ack-conns", type=int, default=24, help="keep-alive connections per process (acks, polls)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds with every stream open before the alert")
    parser.add_argument("--timeout", type=float, default=40.0)
    args = parser.parse_args()
    hard = _raise_nofile()
    publish_port, proxy_port = free_port(), free_port()
    os.environ.update(PLAYER_PUSH_PUBLISH_URL=f"http://127.0.0.1:{publish_port}/pub",
                      PLAYER_PUSH_SUBSCRIBE_URL="/push/sub")
    with BenchEnv() as env:
        from alerts import acks
        from alerts.service import publish, raise_alert
        from players import commands, push
        from players.alerts import push_part
        from signage.extensions import db
        from signage.models import Region, Screen
        from signage.redis_client import get_redis

        check_s = float(env.app.config["PLAYER_PUSH_POLL_S"])
        real = [s.id for s in db.session.scalars(db.select(Screen).order_by(Screen.id).limit(args.chromium))]
        real_tokens = [pair_screen(sid) for sid in real]
        started = time.time()
        fleet = create_fleet(args.players)
        ids = [sid for sid, _ in fleet]
        publish()
        commands.publish(ids, announce=False)  # what the fleet's first polls would have done
        bodies = push.answers(get_redis(), env.app.config, ids, int(time.time() * 1000), publish_missing=False)
        players = []
        for sid, token in fleet:
            part = json.loads(b"{" + push_part(env.app.config, sid)[1:] + b"}")["push"]
            players.append((sid, token, part["url"], part["ack_url"], f'"a{sid}-{json.loads(bodies[sid])["version"]}"'))
        print(f"set-up: {args.players} screens with tokens, control payloads and channels in "
              f"{time.time() - started:.1f} s")

        addr = env.start_gunicorn()
        nginx = subprocess.Popen([str(BIN / "flask"), "players", "push-proxy", "--bind", f"127.0.0.1:{proxy_port}",
                                  "--upstream", addr], env=env.env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            _run(args, env, nginx, proxy_port, players, real, real_tokens, check_s, hard, acks, raise_alert,
                 push, db, Region)
        finally:
            nginx.terminate()
            nginx.wait(timeout=20)


def _wait_for_port(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx is not listening on {port}")


def _run(args, env, nginx, port, players, real, real_tokens, check_s, hard, acks, raise_alert, push, db,
         Region) -> None:
    _wait_for_port(port, nginx)
    connected, stop, out = mp.Value("i", 0), mp.Event(), mp.Queue()
    shards = [players[i::args.procs] for i in range(args.procs)]
    clients = [mp.Process(target=_client, args=(port, shard, args.ack_conns, check_s, connected, stop, out))
               for shard in shards]
    for c in clients:
        c.start()
    opened = time.time()
    while connected.value < len(players) and time.time() - opened < 120:
        time.sleep(0.2)
    print(f"streams open: {connected.value} of {len(players)} in {time.time() - opened:.1f} s "
          f"(file descriptors per process: {hard})")

    from playwright.sync_api import sync_playwright

    pushes: list[dict] = []
    original = push.push_screens

    def measured(screen_ids):
        result = original(screen_ids)
        pushes.append(dict(result, screens=len(set(screen_ids))))
        return result

    push.push_screens = measured
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = open_players(browser, f"http://127.0.0.1:{port}", real_tokens, "window.__player.push.open")
        time.sleep(args.warmup)

        root = db.session.scalars(db.select(Region).where(Region.parent_id.is_(None))).first()
        t0 = time.time()
        alert = raise_alert(region_id=root.id, severity="extreme",
                            messages={"vi": "Bão số 9 đổ bộ: ở trong nhà.", "en": "Typhoon: stay indoors."})
        raised_s = time.time() - t0
        expected = len(players) + len(real)
        found: dict = {}
        while time.time() < t0 + args.timeout:
            found = acks._from_redis(alert.id)
            if len(found) >= expected:
                break
            time.sleep(0.2)
        shown_in_browser = sum(page.evaluate("() => !document.getElementById('alert').hidden") for page in pages)
        browser_polls = [page.evaluate("() => window.__player.alerts.counters.polls") for page in pages]
        stop.set()
        stats = [out.get(timeout=120) for _ in clients]
        for c in clients:
            c.join()
        browser.close()

    t0_ms = t0 * 1000
    glass = [when - t0 for s in stats for when in s["glass"].values()]
    sim_ack = [(received - t0_ms) / 1000 for sid, (_shown, received) in found.items() if sid not in real]
    chromium_ack = [(received - t0_ms) / 1000 for sid, (_shown, received) in found.items() if sid in real]

    def total(key):
        return sum(s[key] for s in stats)

    def line(name, values):
        if not values:
            return f"{name}: none"
        return (f"{name}: p50 {percentile(values, 50):.2f} s, p99 {percentile(values, 99):.2f} s, "
                f"max {max(values):.2f} s")

    print(f"gunicorn: {gunicorn_settings(env.env)}; nginx + nchan (worker_processes auto); simulated players: "
          f"{len(players)} streams in {args.procs} processes, {args.ack_conns} keep-alive connections each for "
          f"acknowledgements and consistency polls (every {check_s:g} s); real Chromium players: {len(real)}")
    print(f"raise_alert (commit + resolve + publish {len(players) + 8} screens' answers + push): "
          f"{raised_s * 1000:.0f} ms; pushes: " + "; ".join(
              f"{p['screens']} screens: sent {p['sent']}, failed {p['failed']} in {p['ms']} ms" for p in pushes))
    print(f"simulated: connected {total('connected')}, messages {total('messages')}, stream errors "
          f"{total('errors')}, acknowledgements {total('acks')} (errors {total('ack_errors')}), consistency polls "
          f"{total('polls')} ({total('poll_200')} answered 200), requests unanswered in 10 s {total('timeouts')}")
    print(f"Chromium: {shown_in_browser} of {len(real)} showing the alert; alert polls since start {browser_polls}")
    from players import push_acks
    from signage.redis_client import get_redis

    recorded, dropped = (int(get_redis().get(key) or 0) for key in (push_acks.RECORDED_KEY, push_acks.DROPPED_KEY))
    print(f"acknowledged: {len(found)} of {expected}; through nchan: {recorded} messages recorded by the consumer, "
          f"{dropped} dropped")
    print(line("alert to glass (message received), simulated", glass) + "   (aim: p99 <= 5 s)")
    print(line("alert to acknowledgement recorded, simulated", sim_ack))
    print(line("alert to acknowledgement recorded, Chromium ", chromium_ack))


if __name__ == "__main__":
    sys.exit(main())

"""Median time to build a full manifest for a screen with a busy 48-hour schedule.

The schedule: 40 entries on the screen, its district and a group (hourly day parts, overnight windows,
weekday masks, priorities, max plays per hour), 12 playlists of 10 items with nesting and per-item
validity, 66 media (images with renditions, videos) and 4 tickers, a default playlist. Each build starts
with an empty session, as a request does; content is looked up through content.api as in production.

    .venv/bin/python bench/manifest_build.py [--builds 200]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from datetime import date, timedelta

from player_bench_env import BenchEnv, median, percentile


def busy_schedule(screen_id: int) -> None:
    from content import rendering
    from content.models import Media, Render, Ticker
    from content.workflow import snapshot
    from scheduling.models import Playlist, PlaylistItem, ScheduleEntry, ScheduleTarget, ScreenDefault
    from signage.extensions import db
    from signage.models import Screen, ScreenGroup
    from signage.timeutil import utcnow

    rng = random.Random(7)
    screen = db.session.get(Screen, screen_id)
    region = screen.region
    media = []
    for i in range(66):
        sha = hashlib.sha256(f"bench-media-{i}".encode()).hexdigest()
        video = i % 11 == 0
        m = Media(region_id=region.id, name=f"Bench media {i}", sha256=sha, ext="mp4" if video else "jpg",
                  mime="video/mp4" if video else "image/jpeg", kind="video" if video else "image", size=500_000 + i,
                  width=1920, height=1080, duration_s=30.0 if video else None, approval_state="approved")
        m.on_air = snapshot(m)  # approved: only approved media reach screens
        m.on_air_version = m.on_air["version"]
        db.session.add(m)
        if not video:
            key = rendering.rendition_key(sha, screen.width, screen.height)
            db.session.add(Render(key=key, sha256=hashlib.sha256(key.encode()).hexdigest(), ext="jpg",
                                  mime="image/jpeg", size=300_000, width=screen.width, height=screen.height))
        media.append(m)
    tickers = []
    for i in range(4):
        texts = {"vi": f"Thông báo số {i}", "en": f"Notice {i}"}
        t = Ticker(region_id=region.id, name=f"Bench ticker {i}", texts=texts, approval_state="approved",
                   on_air={"texts": texts, "speed_px_s": 80, "fg": "#ffd400", "bg": "#000000",
                           "valid_from": None, "valid_until": None}, on_air_version=1)
        db.session.add(t)
        tickers.append(t)
    db.session.flush()
    now = utcnow()
    playlists = []
    for p in range(12):
        playlist = Playlist(region_id=region.id, name=f"Bench playlist {p}")
        for pos in range(10):
            m = rng.choice(media)
            item = PlaylistItem(position=pos, item_type="media", item_id=m.id, duration_s=rng.choice([None, 8, 10, 15]))
            if pos == 7:
                item.valid_from = now + timedelta(hours=rng.randint(1, 30))
                item.valid_until = item.valid_from + timedelta(hours=6)
            playlist.items.append(item)
        if p % 3 == 0:
            playlist.items.append(PlaylistItem(position=10, item_type="ticker", item_id=rng.choice(tickers).id))
        db.session.add(playlist)
        playlists.append(playlist)
    db.session.flush()
    for p in (1, 4, 7):
        playlists[p].items.append(PlaylistItem(position=11, item_type="playlist", item_id=playlists[p + 1].id))
    group = ScreenGroup(name="Bench group", region_id=region.id, members=[screen])
    db.session.add(group)
    db.session.flush()
    targets = [("screen", screen.id), ("region", region.id), ("group", group.id)]
    for e in range(40):
        start_h = rng.randint(0, 23)
        entry = ScheduleEntry(
            region_id=region.id, name=f"Bench entry {e}", playlist_id=rng.choice(playlists).id,
            priority=rng.randint(10, 90), start_date=date.today() - timedelta(days=30), end_date=None,
            days_of_week=rng.choice([0b1111111, 0b0011111, 0b1100000, 0b0101010]),
            daypart_start=f"{start_h:02d}:{rng.choice(['00', '30'])}",
            daypart_end=f"{(start_h + rng.randint(1, 4)) % 24:02d}:00",
            max_plays_per_hour=rng.choice([None, None, None, 2, 4]),
        )
        target_type, target_id = targets[e % 3]
        entry.targets.append(ScheduleTarget(target_type=target_type, target_id=target_id))
        db.session.add(entry)
    db.session.add(ScreenDefault(screen_id=screen.id, playlist_id=playlists[0].id))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--builds", type=int, default=200)
    args = parser.parse_args()
    with BenchEnv():
        from scheduling.manifest import build_manifest
        from signage.extensions import db
        from signage.models import Screen

        screen_id = db.session.scalar(db.select(Screen.id).where(Screen.width == 1920).order_by(Screen.id))
        busy_schedule(screen_id)
        from signage.redis_client import get_redis

        manifest, _ = build_manifest(screen_id)
        timings: dict[str, list[float]] = {"cold": [], "warm": []}
        for i in range(args.builds):
            kind = "cold" if i % 4 == 0 else "warm"
            if kind == "cold":  # as after every item changed: nothing in the resolved-item cache
                for key in get_redis().scan_iter("sched:item:*"):
                    get_redis().delete(key)
            db.session.remove()
            started = time.perf_counter()
            build_manifest(screen_id)
            timings[kind].append((time.perf_counter() - started) * 1000)
        items = sum(len(s["items"]) for s in manifest["timeline"])
        print(f"busy schedule: 40 entries, 12 playlists (nested, per-item validity), 66 media, 4 tickers; "
              f"manifest: {len(manifest['timeline'])} segments, {items} segment items, "
              f"{len(manifest['assets'])} assets, {len(manifest['tickers'])} ticker windows")
        for kind, label in (("warm", "warm (resolved items cached, the usual rebuild after one edit)"),
                            ("cold", "cold (every item resolved through content.api)")):
            values = timings[kind]
            print(f"{label}: {len(values)} builds, median {median(values):.1f} ms, "
                  f"p90 {percentile(values, 90):.1f} ms, min {min(values):.1f} ms   (aim: median < 20 ms)")


if __name__ == "__main__":
    main()

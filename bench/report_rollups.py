"""Reports at provincial scale: 500 screens, one simulated year.

The year is written straight into the roll-up tables (what a year of nightly runs leaves: ~50 million plays
as day × screen × item × entry × theme rows, QR scans per hour, 1 million SMS per campaign × language ×
state, an online/offline history), plus one full day of raw proof of play for all 500 screens. Measured:

- rolling up that day of raw plays (aim < 60 s);
- the reports dashboard and the yearly report page, rendered from the roll-ups (aim < 1 s each);
- the yearly report as PDF (aim < 10 s).

    .venv/bin/python bench/report_rollups.py [--screens 500] [--plays-per-screen-day 274]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from player_bench_env import BenchEnv

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2025
ITEMS_PER_SCREEN_DAY = 10


def add_screens(total: int) -> list[int]:
    from sqlalchemy import insert, select

    from signage.extensions import db
    from signage.models import Region, Screen

    districts = list(db.session.scalars(select(Region).where(Region.parent_id.is_not(None))))
    have = db.session.scalar(select(db.func.count()).select_from(Screen))
    rows = [dict(name=f"Màn hình {n:03d}", region_id=districts[n % len(districts)].id, kind="lcd", width=1920,
                 height=1080, orientation="landscape", languages=["vi", "en"], tags=[], organisation="",
                 location="", poll_interval=30, created_at=datetime(YEAR - 1, 12, 1, tzinfo=UTC))
            for n in range(have, total)]
    db.session.execute(insert(Screen), rows)
    db.session.commit()
    return list(db.session.scalars(select(Screen.id).order_by(Screen.id)))


def simulate_year(screen_ids: list[int], plays_per_screen_day: int) -> dict[str, int]:
    """Roll-up rows of a year (as the nightly runs would have left them) and the online/offline history."""
    from sqlalchemy import insert

    from players.models import ScreenInterval
    from reports import rollup
    from reports.models import PlayDay, RollupMark, ScanDay, SmsDay
    from signage.extensions import db
    from signage.themes import Theme
    from sms.models import Campaign

    rng = random.Random(2025)
    themes = [Theme(region_id=1, names={"vi": f"Chủ đề {i}"}, starts_on=date(YEAR, 1, 1), colour="#0b6bcb")
              for i in range(4)]
    campaigns = [Campaign(name=f"Chiến dịch {i}", region_id=1, kind="promotional", messages={"vi": "x"},
                          status="done") for i in range(50)]
    db.session.add_all(themes + campaigns)
    db.session.commit()
    items = [("slide", i) for i in range(1, 41)] + [("media", i) for i in range(1, 21)]
    # each screen plays its district's programme: ten items, half of them from a schedule entry
    programme = {sid: [(*item, rng.choice((0, 0, 1, 2))) for item in rng.sample(items, ITEMS_PER_SCREEN_DAY)]
                 for sid in screen_ids}
    counts = {"play rows": 0, "plays": 0, "scan rows": 0, "sms rows": 0, "sms": 0, "intervals": 0}
    per_item = plays_per_screen_day // ITEMS_PER_SCREEN_DAY
    day = date(YEAR, 1, 1)
    while day.year == YEAR:
        rows, scans, sms = [], {}, []
        for sid in screen_ids:
            if day.day == 1:  # the programme changes a little each month
                playing = {(t, i) for t, i, _e in programme[sid]}
                fresh = rng.choice([item for item in items if item not in playing])
                programme[sid][rng.randrange(ITEMS_PER_SCREEN_DAY)] = (*fresh, rng.choice((0, 1, 2)))
            for item_type, item_id, entry in programme[sid]:
                base = dict(day=day, screen_id=sid, item_type=item_type, item_id=item_id, entry_id=entry,
                            plays=per_item, seconds=per_item * 15.0, name=f"{item_type} {item_id}")
                rows.append(dict(base, theme_id=0))
                rows.append(dict(base, theme_id=themes[item_id % 4].id))
        for _ in range(400):
            key = (rng.choice(screen_ids), rng.randint(1, 40), rng.choice(range(6, 22)))
            scans[key] = scans.get(key, 0) + 1
        per_day = 1_000_000 // 365
        for c in rng.sample(campaigns, 3):
            for lang, share in (("vi", .6), ("en", .25), ("ru", .15)):
                for state, part in (("delivered", .9), ("failed", .04), ("undelivered", .03), ("skipped", .03)):
                    n = int(per_day / 3 * share * part)
                    sent = 0 if state == "skipped" else n
                    sms.append(dict(day=day, campaign_id=c.id, language=lang, state=state,
                                    skip_reason="no_consent" if state == "skipped" else "", messages=n, sent=sent,
                                    segments=sent * 2, priced=sent // 2, cost_reported=sent * .085,
                                    cost_estimated=sent * .085, opted_out=sent // 200))
                    counts["sms"] += n
        db.session.execute(insert(PlayDay), rows)
        db.session.execute(insert(ScanDay), [dict(day=day, screen_id=s, slide_id=sl, hour=h, scans=n)
                                            for (s, sl, h), n in scans.items()])
        db.session.execute(insert(SmsDay), sms)
        db.session.add_all([RollupMark(source=s, day=day, rows=0) for s in ("plays", "scans", "sms")])
        db.session.commit()
        counts["play rows"] += len(rows)
        counts["plays"] += per_item * ITEMS_PER_SCREEN_DAY * len(screen_ids)
        counts["scan rows"] += len(scans)
        counts["sms rows"] += len(sms)
        day += timedelta(days=1)
        if day.day == 1:
            rollup.rollup_month(day - timedelta(days=1))
    start = datetime(YEAR, 1, 1, tzinfo=TZ).astimezone(UTC)
    intervals = []
    for sid in screen_ids:
        at, online = start, True
        while at < datetime(YEAR + 1, 1, 1, tzinfo=TZ):
            end = at + (timedelta(days=rng.uniform(3, 14)) if online else timedelta(hours=rng.uniform(.2, 8)))
            intervals.append(dict(screen_id=sid, online=online, started_at=at, ended_at=end))
            at, online = end, not online
    db.session.execute(insert(ScreenInterval), intervals)
    db.session.commit()
    counts["intervals"] = len(intervals)
    return counts


def raw_day(screen_ids: list[int], day: date, plays_per_screen_day: int) -> int:
    from sqlalchemy import insert

    from players.models import PlayRecord
    from signage.extensions import db

    rng = random.Random(1)
    start = datetime.combine(day, dtime(6), tzinfo=TZ).astimezone(UTC)
    rows = []
    for sid in screen_ids:
        for n in range(plays_per_screen_day):
            at = start + timedelta(seconds=rng.uniform(0, 16 * 3600))
            rows.append(dict(screen_id=sid, client_id=f"b-{sid}-{n}", item_type="slide", item_id=rng.randint(1, 40),
                             entry_id=rng.choice((None, 1, 2)), started_at=at, duration_s=15.0, name="slide",
                             sha256="", received_at=at))
    for i in range(0, len(rows), 20000):
        db.session.execute(insert(PlayRecord), rows[i:i + 20000])
    db.session.commit()
    return len(rows)


def timed(fn, runs: int = 1) -> float:
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--screens", type=int, default=500)
    parser.add_argument("--plays-per-screen-day", type=int, default=274, help="274 × 500 × 365 ≈ 50 million")
    parser.add_argument("--profile", action="store_true", help="print where the yearly dashboard spends its time")
    args = parser.parse_args()
    with BenchEnv() as env:
        from reports import rollup
        from signage.extensions import db

        t0 = time.perf_counter()
        screen_ids = add_screens(args.screens)
        counts = simulate_year(screen_ids, args.plays_per_screen_day)
        print(f"simulated year: {len(screen_ids)} screens, " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
              + f" ({time.perf_counter() - t0:.0f} s to write)")
        day = date(YEAR + 1, 1, 5)
        plays = raw_day(screen_ids, day, args.plays_per_screen_day)
        db.session.remove()
        rollup_s = timed(lambda: rollup.rollup_plays(day))
        print(f"roll-up of one day of raw plays ({plays:,} plays, {len(screen_ids)} screens): {rollup_s:.2f} s"
              f"  (aim < 60 s)")

        client = env.app.test_client()
        env.app.config["WTF_CSRF_ENABLED"] = False
        assert client.post("/login", data={"username": "admin", "password": "demo-2026"}).status_code == 302
        year = f"period=year&year={YEAR}"

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            db.session.remove()

        get(f"/reports/?{year}")  # warm-up: templates, translations
        print(f"dashboard, yearly, province: {timed(lambda: get(f'/reports/?{year}'), 3):.2f} s  (aim < 1 s)")
        print(f"yearly report page: {timed(lambda: get(f'/reports/report?{year}'), 3):.2f} s  (aim < 1 s)")
        print(f"yearly report PDF: {timed(lambda: get(f'/reports/report.pdf?{year}')):.2f} s  (aim < 10 s)")
        print(f"yearly report DOCX: {timed(lambda: get(f'/reports/report.docx?{year}')):.2f} s")
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(get, f"/reports/?{year}")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()

"""Audience resolution + compliance filtering for 1,000,000 contacts in SQLite: seconds and peak memory.

Run: .venv/bin/python bench/sms_audience.py [--contacts N]
The contacts are generated in a child process (bulk executemany), so the peak memory reported is the one of
the process that resolves the audience (app + SQL + streaming the recipient ids), not of the generator.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LANGS = ["vi"] * 70 + ["en"] * 15 + ["ru"] * 8 + ["zh"] * 4 + ["ko"] * 3
TAGS = ["beach", "city", "festival", "golf", "family", "business"]


def make_app(workdir: Path):
    os.environ.update(DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}", SIGNAGE_INSTANCE=str(workdir / "instance"),
                      REDIS_URL=f"unix://{workdir / 'redis.sock'}", SECRET_KEY="bench")
    from signage import create_app

    return create_app({"TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def prepare(workdir: Path) -> None:
    """Schema and demo regions (run in the parent before generating)."""
    from flask_migrate import upgrade

    from signage.config import DEFAULT_DEMO_DATA
    from signage.demo import load_demo

    app = make_app(workdir)
    with app.app_context():
        upgrade(revision="heads")
        load_demo(Path(os.environ.get("DEMO_DATA", DEFAULT_DEMO_DATA)))


def generate(db_path: str, n: int) -> None:
    """Bulk-insert n contacts (+ opt-outs, DNC entries and recent messages) with plain sqlite3 executemany."""
    rnd = random.Random(42)
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    region_ids = [r[0] for r in con.execute("SELECT id FROM region")]
    now = datetime.utcnow()
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    base = date(2026, 12, 1)

    def rows():
        for i in range(n):
            tourist = rnd.random() < 0.6
            arrival = base + timedelta(days=rnd.randrange(40)) if tourist else None
            tags = "," + ",".join(rnd.sample(TAGS, rnd.randrange(3))) + ","
            yield (f"+849{i:08d}", "", rnd.choice(LANGS), "tourist" if tourist else "resident",
                   rnd.choice(region_ids), tags.replace(",,", ","), arrival and arrival.isoformat(),
                   arrival and (arrival + timedelta(days=rnd.randrange(1, 10))).isoformat(),
                   stamp if rnd.random() < 0.9 else None, stamp)

    con.executemany("INSERT INTO sms_contact (phone, name, language, kind, region_id, tags_text, arrival_date, "
                    "departure_date, consent_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)", rows())
    con.executemany("INSERT INTO sms_optout (contact_id, kind, source, at) VALUES (?, 'promotional', 'link', ?)",
                    ((i, stamp) for i in range(7, n + 1, 50)))
    con.executemany("INSERT INTO sms_suppression (list_name, phone, added_at) VALUES ('national-dnc', ?, ?)",
                    ((f"+849{i:08d}", stamp) for i in range(3, n, 20)))
    con.execute("INSERT INTO sms_campaign (name, region_id, kind, messages, event, audience, schedule, "
                "use_unaccented, status, created_at, approval_state, review_comment) VALUES ('old', ?, "
                "'promotional', '{}', '', '{}', '{}', 0, 'done', ?, 'approved', '')", (region_ids[0], stamp))
    campaign_id = con.execute("SELECT max(id) FROM sms_campaign").fetchone()[0]
    con.executemany(
        "INSERT INTO sms_message (campaign_id, contact_id, occurrence, promotional, phone, language, body, "
        "segments, state, claimed_at, attempts, provider_sid, error_code, error_message, skip_reason, needs_review)"
        " VALUES (?, ?, ?, 1, '', 'vi', '', 1, 'sent', ?, 1, '', '', '', '', 0)",
        ((campaign_id, c, str(k), stamp) for c in range(1, n + 1, 100) for k in range(3)))
    con.commit()
    con.close()


def measure(workdir: Path) -> dict:
    from signage.extensions import db
    from signage.models import Region
    from signage.timeutil import utcnow
    from sms.audience import preview_counts, recipients
    from sms.models import Campaign

    app = make_app(workdir)
    with app.app_context():
        root = db.session.query(Region).filter(Region.parent_id.is_(None)).first()
        pt = db.session.query(Region).filter(Region.code == "BT-PT").first()
        campaign = Campaign(id=10**6, name="bench", region_id=root.id, kind="promotional", messages={"vi": "x"},
                            audience={"kinds": ["tourist"], "region_ids": [pt.id],
                                      "languages": ["vi", "en", "ru"], "tags": ["beach", "festival"],
                                      "present_on": "2026-12-20"})
        now = utcnow()
        t0 = time.perf_counter()
        steps = preview_counts(campaign, now=now)
        t1 = time.perf_counter()
        count = sum(len(chunk) for chunk in recipients(campaign, now=now, include_cap=True))
        t2 = time.perf_counter()
        everyone = Campaign(id=10**6 + 1, name="all", region_id=root.id, kind="promotional", messages={"vi": "x"},
                            audience={})
        t3 = time.perf_counter()
        count_all = sum(len(chunk) for chunk in recipients(everyone, now=now, include_cap=True))
        t4 = time.perf_counter()
    return {"steps": [(s.key, s.remaining, s.removed) for s in steps], "preview_s": t1 - t0,
            "resolve_s": t2 - t1, "recipients": count, "resolve_all_s": t4 - t3, "recipients_all": count_all}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.contacts)
        return
    from signage.embedded_redis import start_redis

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        redis = start_redis(workdir / "redis.sock", persist=False)
        try:
            prepare(workdir)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--contacts", str(args.contacts), "--generate",
                            str(workdir / "bench.db")], check=True)
            gen_s = time.perf_counter() - t0
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            result = measure(workdir)
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        finally:
            redis.terminate()
    print(f"contacts generated: {args.contacts:,} in {gen_s:.1f} s (bulk executemany, child process)")
    print("filter steps (remaining / removed):")
    for key, remaining, removed in result["steps"]:
        print(f"  {key:<14} {remaining:>9,}  -{removed:,}")
    print(f"preview (count after every filter): {result['preview_s']:.2f} s")
    print(f"resolve recipients (filtered campaign): {result['recipients']:,} in {result['resolve_s']:.2f} s")
    print(f"resolve recipients (whole province, compliance only): {result['recipients_all']:,} in "
          f"{result['resolve_all_s']:.2f} s")
    total = result["preview_s"] + result["resolve_s"] + result["resolve_all_s"]
    print(f"total audience + compliance time: {total:.2f} s (aim < 60 s) -> {'OK' if total < 60 else 'SLOW'}")
    print(f"peak memory of the resolving process: {peak_mib:.0f} MiB (before measuring: {before / 1024:.0f} MiB; "
          f"aim < 1024 MiB) -> {'OK' if peak_mib < 1024 else 'HIGH'}")


if __name__ == "__main__":
    main()

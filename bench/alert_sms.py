"""An alert's SMS while a big promotional campaign is sending: who gets the rate, and does anyone in between.

A promotional campaign to every contact of the province (default 100,000, with consent) is started on real
`flask worker` processes (two taking every queue, one the urgent queue alone — what `make run` starts, plus one)
through the local outbox gateway under the shared token bucket. Once it is sending, an emergency alert with
SMS is raised for one district (default 10,000 of those contacts). Printed: the time from raising the alert to
the first and the last alert SMS handed to the gateway, the promotional messages handed over in that window
(to anyone, and to the district's numbers: must be 0), and the rate each got. SQLite, embedded Redis.

    .venv/bin/python bench/alert_sms.py [--contacts 100000] [--district 10000] [--rate 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import time
from datetime import UTC, datetime

from player_bench_env import BIN, ROOT, BenchEnv


def _midday_zone() -> str:
    """A zone where it is about noon now: promotional SMS go out between 07:00 and 22:00 local time only, and
    the workers run on the real clock."""
    offset = 12 - datetime.now(UTC).hour
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" + (f"+{-offset}" if offset < 0 else f"-{offset}")


def _contacts(db_path: str, total: int, district: int, district_id: int, other_id: int) -> None:
    con = sqlite3.connect(db_path)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    con.executemany(
        "INSERT INTO sms_contact (phone, name, language, kind, region_id, tags_text, consent_at, created_at) "
        "VALUES (?, '', 'vi', 'resident', ?, ',', ?, ?)",
        ((f"+849{i:08d}", district_id if i < district else other_id, stamp, stamp) for i in range(total)))
    con.commit()
    con.close()


def _sent(db_path: str, campaign_id: int) -> list[tuple[str, str]]:
    con = sqlite3.connect(db_path, timeout=30)
    rows = con.execute("SELECT phone, sent_at FROM sms_message WHERE campaign_id = ? AND sent_at IS NOT NULL "
                       "ORDER BY sent_at", (campaign_id,)).fetchall()
    con.close()
    return rows


def _count(db_path: str, campaign_id: int) -> int:
    con = sqlite3.connect(db_path, timeout=30)
    n = con.execute("SELECT count(*) FROM sms_message WHERE campaign_id = ? AND sent_at IS NOT NULL",
                    (campaign_id,)).fetchone()[0]
    con.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--district", type=int, default=10_000, help="contacts in the alert's district")
    parser.add_argument("--rate", type=float, default=200.0, help="SMS_RATE_MPS of the sender")
    parser.add_argument("--workers", type=int, default=2, help="workers taking every queue (plus one urgent)")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    with BenchEnv() as env:
        from alerts.service import raise_alert
        from signage.extensions import db
        from signage.models import Region
        from sms.jobs import start_campaign
        from sms.models import Campaign
        from sms.schedule import Schedule

        regions = {r.code: r for r in db.session.scalars(db.select(Region))}
        db_path = env.env["DATABASE_URL"].removeprefix("sqlite:///")
        started = time.time()
        _contacts(db_path, args.contacts, args.district, regions["BT-PT"].id, regions["BT-HT"].id)
        print(f"{args.contacts} contacts ({args.district} in {regions['BT-PT'].name}) in "
              f"{time.time() - started:.1f} s")
        now = datetime.now(UTC)
        promo = Campaign(name="Lễ hội thanh long", region_id=regions["BT"].id, kind="promotional",
                         messages={"vi": "Lễ hội thanh long Bình Thuận: giảm 30% vé tham quan."}, audience={},
                         schedule=Schedule.parse({"mode": "now"}).to_json(), approval_state="approved",
                         status="running", started_at=now)
        db.session.add(promo)
        db.session.commit()
        worker_env = dict(env.env, SIGNAGE_TIMEZONE=_midday_zone(), SMS_GATEWAY="outbox", SMS_THROTTLE="1",
                          SMS_RATE_MPS=str(args.rate), SMS_RATE_SPS=str(args.rate * 10), SMS_RATE_BURST="5",
                          SMS_BATCH_SIZE="100")
        commands = [["worker"]] * args.workers + [["worker", "--queue", "urgent"]]
        workers = [subprocess.Popen([str(BIN / "flask"), *c], env=worker_env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL) for c in commands]
        try:
            start_campaign(promo.id)
            t_promo = time.time()
            while _count(db_path, promo.id) < 1000 and time.time() - t_promo < args.timeout:
                time.sleep(0.5)
            print(f"promotional campaign sending: {_count(db_path, promo.id)} sent after "
                  f"{time.time() - t_promo:.1f} s (rows for all {args.contacts} created first)")

            t0 = time.time()
            alert = raise_alert(region_id=regions["BT-PT"].id, severity="extreme", send_sms=True,
                                messages={"vi": "Bão số 9 đổ bộ Phan Thiết: ở trong nhà, tránh xa bờ biển."})
            alert_campaign = db.session.scalar(db.select(Campaign.id).where(Campaign.alert_id == alert.id))
            while _count(db_path, alert_campaign) < args.district and time.time() - t0 < args.timeout:
                time.sleep(0.5)
            done = time.time() - t0
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(timeout=30)
        alert_sms = _sent(db_path, alert_campaign)
        promo_sms = _sent(db_path, promo.id)
        first, last = alert_sms[0][1], alert_sms[-1][1]
        district = {f"+849{i:08d}" for i in range(args.district)}
        between = [p for p, at in promo_sms if first <= at <= last]
        to_district = [p for p in between if p in district]

        def since_t0(stamp: str) -> float:
            return datetime.fromisoformat(stamp).replace(tzinfo=UTC).timestamp() - t0

        span = max(since_t0(last) - since_t0(first), 1e-9)
        print(f"sender rate {args.rate:g} msg/s; {args.workers} workers on every queue + 1 on the urgent queue")
        print(f"alert SMS handed to the gateway: {len(alert_sms)} of {args.district}; first {since_t0(first):.2f} s, "
              f"last {since_t0(last):.2f} s after raise_alert ({len(alert_sms) / span:.0f} msg/s; all sent "
              f"within {done:.1f} s)")
        print(f"promotional SMS handed over between the first and the last alert SMS: {len(between)} "
              f"({len(between) / span:.1f} msg/s), to the district's numbers: {len(to_district)} (must be 0)")


if __name__ == "__main__":
    main()

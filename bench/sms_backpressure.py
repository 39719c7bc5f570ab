"""A sender's rate under back-pressure: a promotional campaign on real `flask worker` processes through the real
twilio client to the local stand-in, which answers a fraction of the sends (default 3 %, the share seen in the
field) with 429 and a Retry-After. A refused message is parked until its Retry-After while the others keep
sending, so the sender's rate should stay within 5 % of the configured one. Printed: requests, 429s, the rate
of accepted messages and of all requests (first to last), each against the configured rate; duplicates (must
be 0) and messages not sent (must be 0). SQLite, embedded Redis.
    .venv/bin/python bench/sms_backpressure.py [--contacts 600] [--rate 10] [--throttled 0.03] [--workers 2]
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import time
from datetime import UTC, datetime

from alert_sms import _midday_zone
from player_bench_env import BIN, ROOT, BenchEnv

from tests.sms.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn


def _contacts(db_path: str, total: int, region_id: int) -> None:
    con = sqlite3.connect(db_path)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    con.executemany(
        "INSERT INTO sms_contact (phone, name, language, kind, region_id, tags_text, consent_at, created_at) "
        "VALUES (?, '', 'vi', 'resident', ?, ',', ?, ?)",
        ((f"+849{i:08d}", region_id, stamp, stamp) for i in range(total)))
    con.commit()
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=600)
    parser.add_argument("--rate", type=float, default=10.0, help="SMS_RATE_MPS of the sender")
    parser.add_argument("--throttled", type=float, default=0.03, help="share of sends answered 429")
    parser.add_argument("--retry-after", default="2", help="the 429's Retry-After (seconds)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    standin = TwilioStandIn(callbacks=False).start()
    standin.throttle(args.throttled, args.retry_after)
    try:
        with BenchEnv() as env:
            from signage.extensions import db
            from signage.models import Region
            from sms.jobs import start_campaign
            from sms.models import Campaign

            region = db.session.scalar(db.select(Region).where(Region.code == "BT"))
            _contacts(env.env["DATABASE_URL"].removeprefix("sqlite:///"), args.contacts, region.id)
            campaign = Campaign(name="Bench", region_id=region.id, kind="promotional", audience={},
                                messages={"vi": "Lễ hội thanh long: giảm 30% vé."}, schedule={"mode": "now"},
                                approval_state="approved", status="running", started_at=datetime.now(UTC))
            db.session.add(campaign)
            db.session.commit()
            worker_env = dict(env.env, SIGNAGE_TIMEZONE=_midday_zone(), SMS_GATEWAY="twilio",
                              TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM="BINHTHUAN",
                              TWILIO_API_BASE=standin.url, SMS_THROTTLE="1", SMS_RATE_MPS=str(args.rate),
                              SMS_RATE_SPS=str(args.rate * 10), SMS_RATE_BURST="1", SMS_BATCH_SIZE="50",
                              PUBLIC_BASE_URL="https://sms.example.vn")
            workers = [subprocess.Popen([str(BIN / "flask"), "worker"], env=worker_env, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                       for _ in range(args.workers)]
            try:
                start_campaign(campaign.id)
                t0 = time.monotonic()
                while len(standin.messages) < args.contacts and time.monotonic() - t0 < args.timeout:
                    time.sleep(0.5)
            finally:
                for w in workers:
                    w.terminate()
                for w in workers:
                    w.wait(timeout=30)
    finally:
        standin.stop()
    accepted = standin.accepted_at
    span = max(accepted[-1] - accepted[0], 1e-9)
    refused = standin.requests - len(accepted)
    received = standin.received()
    ok_rate = (len(accepted) - 1) / span
    all_rate = (standin.requests - 1) / span
    print(f"configured {args.rate:g} msg/s; {args.workers} workers; {standin.requests} requests, {refused} answered "
          f"429 (Retry-After {args.retry_after} s)")
    print(f"accepted messages: {ok_rate:.2f} msg/s ({ok_rate / args.rate:.1%} of configured); all requests: "
          f"{all_rate:.2f} req/s ({all_rate / args.rate:.1%})")
    print(f"duplicates: {sum(n - 1 for n in received.values())}; not sent: {args.contacts - len(received)}")


if __name__ == "__main__":
    main()

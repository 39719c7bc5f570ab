"""Dispatch rate through the real twilio client to the local Twilio stand-in.

1. Throttling off: the twilio client (our gateway) vs a bare `requests` loop posting the same requests, as a ratio.
2. The whole dispatch path (claim row in SQLite, send, record) with throttling off: rate and ratio to the bare loop.
3. Throttling on (Redis token bucket, 2 concurrent senders): achieved rate vs the configured rate.

Run: .venv/bin/python bench/sms_dispatch.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sms.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn  # noqa: E402

N = 1400
ROUNDS = 7
RATE = 20.0
THROTTLED_SECONDS = 8


def bare_loop(url: str, n: int) -> float:
    session = requests.Session()
    endpoint = f"{url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    start = time.perf_counter()
    for i in range(n):
        r = session.post(endpoint, auth=(ACCOUNT_SID, AUTH_TOKEN), data={
            "To": f"+8491{i:07d}", "From": "BINHTHUAN", "Body": "[QC] Bench message",
            "StatusCallback": f"https://sms.example.vn/sms/webhooks/twilio/status?mid={i}"})
        r.raise_for_status()
        r.json()
    return n / (time.perf_counter() - start)


def twilio_client_loop(url: str, n: int) -> float:
    from sms.gateways.base import OutgoingSms
    from sms.gateways.twilio_gateway import TwilioGateway

    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, sender="BINHTHUAN", api_base=url)
    start = time.perf_counter()
    for i in range(n):
        gateway.send(OutgoingSms(to=f"+8491{i:07d}", body="[QC] Bench message", message_id=i,
                                 status_callback=f"https://sms.example.vn/sms/webhooks/twilio/status?mid={i}"))
    return n / (time.perf_counter() - start)


def make_app(workdir: Path, url: str, throttle: bool):
    os.environ.update(DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}", SIGNAGE_INSTANCE=str(workdir / "instance"),
                      REDIS_URL=f"unix://{workdir / 'redis.sock'}", SECRET_KEY="bench")
    from signage import create_app

    return create_app({
        "TESTING": True, "RQ_SYNC": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SMS_GATEWAY": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM": "BINHTHUAN",
        "TWILIO_API_BASE": url, "SMS_THROTTLE": 1 if throttle else 0, "SMS_RATE_MPS": RATE, "SMS_RATE_SPS": 1000,
        "PUBLIC_BASE_URL": "https://sms.example.vn"})


def seed_campaign(app, n: int, code: str) -> list[int]:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from signage.extensions import db
    from signage.regions import create_region
    from signage.timeutil import utcnow
    from sms.dispatch import materialise
    from sms.models import Campaign, Contact, Message

    with app.app_context():
        upgrade(revision="heads")
        root = create_region(code, code, None)
        db.session.commit()
        start = (db.session.scalar(select(Contact.id).order_by(Contact.id.desc()).limit(1)) or 0) + 1
        db.session.execute(Contact.__table__.insert(), [
            {"phone": f"+849{start + i:08d}", "name": "", "language": "vi", "kind": "resident", "region_id": root.id,
             "tags_text": ",", "created_at": utcnow()} for i in range(n)])
        campaign = Campaign(name="bench", region_id=root.id, kind="public_service", messages={"vi": "Thong bao"},
                            approval_state="approved", status="running", started_at=utcnow())
        db.session.add(campaign)
        db.session.commit()
        materialise(campaign, now=utcnow())
        return list(db.session.scalars(select(Message.id).where(Message.campaign_id == campaign.id)))


def pipeline(app, ids: list[int], senders: int = 1) -> float:
    from sms.dispatch import send_batch

    chunks = [ids[i::senders] for i in range(senders)]

    def run(chunk):
        with app.app_context():
            send_batch(chunk)

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(ids) / (time.perf_counter() - start)


def main() -> None:
    from signage.embedded_redis import start_redis

    standin = TwilioStandIn(callbacks=False).start()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        redis = start_redis(workdir / "redis.sock", persist=False)
        try:
            bare_loop(standin.url, 100)  # warm-up
            twilio_client_loop(standin.url, 100)
            bare_rates, client_rates = [], []
            for _ in range(ROUNDS):  # interleaved rounds: the machine is shared, load changes during the run
                bare_rates.append(bare_loop(standin.url, N // ROUNDS))
                client_rates.append(twilio_client_loop(standin.url, N // ROUNDS))
            bare_avg = statistics.median(bare_rates)
            client = statistics.median(client_rates)
            print(f"bare requests loop:            {bare_avg:8.0f} msg/s (median of {ROUNDS} rounds of {N // ROUNDS})")
            ratios = [c / b for b, c in zip(bare_rates, client_rates, strict=True)]
            print(f"twilio client (our gateway):   {client:8.0f} msg/s   ratio {statistics.median(ratios):.2f}x "
                  f"(median of per-round ratios {', '.join(f'{r:.2f}' for r in ratios)}; aim >= 0.7x)")

            app = make_app(workdir, standin.url, throttle=False)
            ids = seed_campaign(app, N, "BENCH-FULL")
            full = pipeline(app, ids)
            print(f"full dispatch path (SQLite claim + twilio client + record), 1 sender: {full:.0f} msg/s "
                  f"= {full / bare_avg:.2f}x of the bare loop")

            app_t = make_app(workdir, standin.url, throttle=True)
            ids = seed_campaign(app_t, int(RATE * THROTTLED_SECONDS), "BENCH-THROTTLED")
            achieved = pipeline(app_t, ids, senders=2)
            off = abs(achieved - RATE) / RATE * 100
            print(f"throttled ({RATE:.0f} msg/s configured, 2 concurrent senders, {len(ids)} messages): "
                  f"{achieved:.1f} msg/s achieved, {off:.1f}% off (aim within 5%)")
        finally:
            redis.terminate()
            standin.stop()


if __name__ == "__main__":
    main()

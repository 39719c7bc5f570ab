"""A real `flask worker` SIGKILLed mid-campaign and restarted: nobody gets a message twice, and every message
ends sent, failed, or flagged "unknown — not retried"."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from signage.extensions import db
from signage.redis_client import get_queue
from sms.jobs import dispatch_campaign
from sms.models import Message
from tests.sms.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

pytestmark = pytest.mark.slow


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _sigkill_tree(worker) -> None:
    """SIGKILL the worker and its work horse at once, as a crash of the machine or the OOM killer would."""
    pids = [worker.proc.pid, *_descendants(worker.proc.pid)]
    for pid in reversed(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.proc.wait(timeout=10)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _open_rows(campaign_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Message).where(
        Message.campaign_id == campaign_id, Message.state.in_(["queued", "sending"])))


def test_sigkilled_worker_restarted_sends_nothing_twice(app_ctx, worker_factory, make_contact, make_campaign,
                                                       monkeypatch):
    standin = TwilioStandIn(delay=0.2, callbacks=False).start()
    try:
        env = {"SMS_GATEWAY": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
               "TWILIO_FROM": "BINHTHUAN", "TWILIO_API_BASE": standin.url, "SMS_THROTTLE": "0",
               "SMS_SENDING_LEASE_SECONDS": "1", "SMS_INFLIGHT_SECONDS": "1",
               "PUBLIC_BASE_URL": "https://sms.example.vn"}
        for key, value in env.items():
            monkeypatch.setitem(app_ctx.config, key, value)
        app_ctx.extensions.pop("sms_gateway", None)
        phones = [f"+849120{n:05d}" for n in range(40)]
        for phone in phones:
            make_contact(phone)
        campaign = make_campaign({"vi": "Thông báo lịch cắt điện"}, kind="public_service")
        dispatch_campaign(campaign.id)  # rows created, one batch job queued in Redis
        assert get_queue("default").count == 1

        worker = worker_factory(**env)
        _wait(lambda: len(standin.messages) >= 8, 60, "the worker to be mid-batch")
        _sigkill_tree(worker)
        killed_at = len(standin.messages)
        assert killed_at < len(phones), "the worker finished before it was killed"

        time.sleep(1.2)  # the dead worker's `sending` lease expires, and its batch no longer holds its rows
        worker_factory(**env)
        get_queue("default").enqueue(dispatch_campaign, campaign.id)  # what the scheduler / `flask sms sweep` do
        _wait(lambda: _open_rows(campaign.id) == 0, 60, "the campaign to finish")

        received = standin.received()
        assert max(received.values()) == 1, f"duplicates: {[p for p, n in received.items() if n > 1]}"
        rows = db.session.scalars(select(Message).where(Message.campaign_id == campaign.id)).all()
        assert {r.state for r in rows} <= {"sent", "failed", "unknown"}
        for row in rows:
            if row.state == "sent":
                assert received[row.phone] == 1
            if row.state == "unknown":
                assert row.needs_review and "not retried" in row.error_message
        assert len(received) == sum(r.state == "sent" for r in rows) + sum(
            r.state == "unknown" and received[r.phone] for r in rows)
        assert len(received) >= len(phones) - 1  # at most the one in flight at the kill is left to a human
    finally:
        standin.stop()

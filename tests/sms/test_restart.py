"""Restarts lose nothing: the database alone says what must be sent and when. The whole controller started by the
README's command (`flask serve`, what `make run` runs: the embedded Redis with its append-only file, gunicorn, an
RQ worker) SIGKILLed mid-campaign and started again the same way finishes the campaign by itself, with nobody
texted twice and nobody left out."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from signage.embedded_redis import start_redis
from signage.extensions import db
from sms.models import Campaign, Message
from tests.servers import BIN, PROJECT_ROOT, free_port, wait_for_port
from tests.sms.test_crash_safety import _descendants, _wait
from tests.sms.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

pytestmark = pytest.mark.slow


@pytest.fixture
def short_dir():
    """A short path: a unix socket's path must stay under 108 bytes."""
    path = Path(tempfile.mkdtemp(prefix="sms-restart-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_the_embedded_redis_keeps_queued_jobs_across_a_kill(short_dir):
    socket_path = short_dir / "redis.sock"
    proc = start_redis(socket_path)
    try:
        Redis(unix_socket_path=str(socket_path)).rpush("rq:queue:default", "job-1")
        proc.kill()
        proc.wait(timeout=10)
        proc = start_redis(socket_path)
        assert Redis(unix_socket_path=str(socket_path)).lrange("rq:queue:default", 0, -1) == [b"job-1"]
    finally:
        proc.kill()
        proc.wait(timeout=10)


class Controller:
    """`flask serve`, the README's `make run` without the demo: it starts the embedded Redis (append-only file in
    the instance folder), gunicorn and an RQ worker, and is started again the same way after a power cut."""

    def __init__(self, env: dict[str, str]):
        self.env, self.proc = env, None

    def start(self) -> Controller:
        port = free_port()
        self.proc = subprocess.Popen([str(BIN / "flask"), "serve", "--bind", f"127.0.0.1:{port}"], env=self.env,
                                     cwd=PROJECT_ROOT)
        wait_for_port(port, self.proc, timeout=60)
        return self

    def kill_everything(self) -> None:
        """SIGKILL the supervisor, Redis, gunicorn and the worker at once, as a power cut would."""
        for pid in [self.proc.pid, *reversed(_descendants(self.proc.pid))]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        children = _descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # Ctrl-C: the supervisor stops what it started
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _status(campaign_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id).status


def _rows(campaign_id: int) -> list[Message]:
    db.session.expire_all()
    return db.session.scalars(select(Message).where(Message.campaign_id == campaign_id)).all()


def test_a_campaign_killed_mid_send_with_the_whole_controller_finishes_by_itself(
        app_ctx, service_env, short_dir, make_contact, make_campaign):
    standin = TwilioStandIn(delay=0.05, callbacks=False).start()
    # flask serve runs its own Redis in the instance folder when REDIS_URL is unset; the database is the suite's
    env = {k: v for k, v in service_env.items() if k != "REDIS_URL"}
    env.update(SIGNAGE_INSTANCE=str(short_dir), GUNICORN_WORKERS="1", GUNICORN_THREADS="2")
    env.update(SMS_GATEWAY="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
               TWILIO_FROM="BINHTHUAN", TWILIO_API_BASE=standin.url, SMS_THROTTLE="0", SMS_SENDING_LEASE_SECONDS="1",
               SMS_INFLIGHT_SECONDS="1", PUBLIC_BASE_URL="https://sms.example.vn")
    phones = [f"+849130{n:05d}" for n in range(30)]
    for phone in phones:
        make_contact(phone)
    # Approved and started in the database only: no job was ever queued for it.
    campaign = make_campaign({"vi": "Thông báo lịch cắt nước"}, kind="public_service")
    controller = Controller(env).start()
    try:
        _wait(lambda: len(standin.messages) >= 6, 60, "the first messages (a starting worker sweeps)")
        controller.kill_everything()
        assert len(standin.messages) < len(phones), "the campaign finished before the kill"
        time.sleep(1.1)  # the dead worker's lease and its batch's hold on the rows run out
        controller = Controller(env).start()
        _wait(lambda: _status(campaign.id) == "done", 60, "the campaign to finish by itself")
    finally:
        controller.stop()
        standin.stop()
    assert standin.received() == {phone: 1 for phone in phones}  # 0 duplicates, 0 lost
    assert {row.state for row in _rows(campaign.id)} == {"sent"}

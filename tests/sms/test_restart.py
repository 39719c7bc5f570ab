"""Restarts lose nothing: the database alone says what must be sent and when. The whole controller (as `make run`
starts it: the embedded Redis with its append-only file, gunicorn, an RQ worker) SIGKILLed mid-campaign and
started again finishes the campaign by itself, with nobody texted twice and nobody left out."""

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
from tests.servers import ControllerProcess, WorkerProcess
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
    """What `make run` starts (tests/servers.py's processes): the embedded Redis with its append-only file in
    its own folder, gunicorn and an RQ worker."""

    def __init__(self, env: dict[str, str], folder: Path):
        self.env, self.folder, self.procs = env, folder, []

    def start(self) -> Controller:
        redis = start_redis(self.folder / "redis.sock")
        worker = WorkerProcess(self.env).start()  # loads the app while gunicorn does (two cores)
        web = ControllerProcess(self.env, workers=1).start()
        self.procs = [redis, worker.proc, web.proc]
        return self

    def kill_everything(self) -> None:
        """SIGKILL Redis, gunicorn and the worker (with their children) at once, as a power cut would."""
        for proc in self.procs:
            for pid in [proc.pid, *reversed(_descendants(proc.pid))]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _status(campaign_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id).status


def _rows(campaign_id: int) -> list[Message]:
    db.session.expire_all()
    return db.session.scalars(select(Message).where(Message.campaign_id == campaign_id)).all()


def test_a_campaign_killed_mid_send_with_the_whole_controller_finishes_by_itself(
        app_ctx, service_env, short_dir, make_contact, make_campaign):
    standin = TwilioStandIn(delay=0.05, callbacks=False).start()
    env = dict(service_env, REDIS_URL=f"unix://{short_dir / 'redis.sock'}")
    env.update(SMS_GATEWAY="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
               TWILIO_FROM="BINHTHUAN", TWILIO_API_BASE=standin.url, SMS_THROTTLE="0", SMS_SENDING_LEASE_SECONDS="1",
               SMS_INFLIGHT_SECONDS="1", PUBLIC_BASE_URL="https://sms.example.vn")
    phones = [f"+849130{n:05d}" for n in range(30)]
    for phone in phones:
        make_contact(phone)
    # Approved and started in the database only: no job was ever queued for it.
    campaign = make_campaign({"vi": "Thông báo lịch cắt nước"}, kind="public_service")
    controller = Controller(env, short_dir).start()
    try:
        _wait(lambda: len(standin.messages) >= 6, 60, "the first messages (a starting worker sweeps)")
        controller.kill_everything()
        assert len(standin.messages) < len(phones), "the campaign finished before the kill"
        time.sleep(1.1)  # the dead worker's lease and its batch's hold on the rows run out
        controller = Controller(env, short_dir).start()
        _wait(lambda: _status(campaign.id) == "done", 60, "the campaign to finish by itself")
    finally:
        controller.stop()
        standin.stop()
    assert standin.received() == {phone: 1 for phone in phones}  # 0 duplicates, 0 lost
    assert {row.state for row in _rows(campaign.id)} == {"sent"}

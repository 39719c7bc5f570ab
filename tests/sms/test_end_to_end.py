"""Everything over real HTTP: gunicorn controller, `flask worker`, the twilio client, the Twilio stand-in, and
the stand-in's signed status callbacks back to the controller's webhook."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from signage.extensions import db
from signage.redis_client import get_queue
from sms.models import Message
from tests.servers import ControllerProcess
from tests.sms.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

pytestmark = pytest.mark.slow


def test_signed_callbacks_over_http_drive_messages_to_delivered(app_ctx, service_env, worker_factory, make_contact,
                                                                make_campaign):
    from sms.jobs import dispatch_campaign

    standin = TwilioStandIn().start()
    controller = None
    try:
        env = {"SMS_GATEWAY": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
               "TWILIO_FROM": "BINHTHUAN", "TWILIO_API_BASE": standin.url, "SMS_THROTTLE": "0"}
        controller = ControllerProcess(dict(service_env, **env), workers=1).start()
        env["PUBLIC_BASE_URL"] = controller.url
        for phone in ("+84912000001", "+84912000002", "+84912000003"):
            make_contact(phone)
        standin.fail("+84912000003", (400, 21614))
        campaign = make_campaign({"vi": "Thông báo: đường Nguyễn Tất Thành cấm xe tối nay."}, kind="public_service")
        worker_factory(**env)
        get_queue("default").enqueue(dispatch_campaign, campaign.id)

        def states():
            db.session.expire_all()
            return dict(db.session.execute(select(Message.phone, Message.state).where(
                Message.campaign_id == campaign.id)).all())

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and states() != {
                "+84912000001": "delivered", "+84912000002": "delivered", "+84912000003": "failed"}:
            time.sleep(0.2)
        assert states() == {"+84912000001": "delivered", "+84912000002": "delivered", "+84912000003": "failed"}
        assert ("delivered", 204) in standin.callback_log
        assert db.session.scalar(select(func.count()).select_from(Message).where(Message.error_code == "21614")) == 1
    finally:
        if controller is not None:
            controller.stop()
        standin.stop()

"""Issue 15's "done when", end to end with real processes: the controller under gunicorn, a worker for every
queue and one for the urgent queue alone, two headless Chromium players and the outbox gateway.

A CAP Alert for one district (Phan Thiết), pushed while a promotional campaign to the whole province is
sending, reaches that district's screen (shown in Chromium, acknowledged) within 5 s while the other
district's screen (Hàm Tân) stays on its programme; the district's contacts get the alert SMS first — no
promotional message reaches any of them between the first and the last alert SMS, and all of them have it
before the campaign has finished; a CAP Cancel restores the screen and reports the SMS."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.alerts.test_cap import cap_xml
from tests.conftest import midday_zone
from tests.player.test_player_browser import open_player, wait_for
from tests.servers import BIN, PROJECT_ROOT, ControllerProcess, WorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TOKEN = "cap-push-token-0123456789"
STATION = "Ga Phan Thiết"  # BT-PT
TAN_NGHIA = "Trung tâm thị trấn Tân Nghĩa"  # BT-HT
PT_CONTACTS, HT_CONTACTS = 30, 150


class UrgentWorker(WorkerProcess):
    """`flask worker --queue urgent`: the worker an alert's SMS never wait for."""

    def start(self) -> UrgentWorker:
        self.proc = subprocess.Popen([str(BIN / "flask"), "worker", "--queue", "urgent"],
                                     env=dict(self.env, FLASK_APP="wsgi"), cwd=PROJECT_ROOT)
        return self


def _post_cap(base: str, xml: bytes) -> dict:
    request = urllib.request.Request(f"{base}/api/alerts/cap", data=xml, method="POST", headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/xml"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _sent(campaign_ids) -> list[tuple[str, datetime]]:
    from signage.extensions import db
    from sms.models import Message

    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(select(Message.phone, Message.sent_at).where(
        Message.campaign_id.in_(campaign_ids), Message.sent_at.is_not(None)).order_by(Message.sent_at))]


def test_a_cap_alert_for_one_district_while_a_big_campaign_sends(app, chromium, demo, paired, make_contact,
                                                                 make_campaign, service_env):
    from alerts.acks import acks_for
    from signage.extensions import db
    from sms.jobs import start_campaign
    from sms.models import Campaign

    env = dict(service_env, SIGNAGE_TIMEZONE=midday_zone(), SMS_GATEWAY="outbox", SMS_THROTTLE="1",
               SMS_RATE_MPS="25", SMS_RATE_SPS="100", SMS_BATCH_SIZE="20", ALERTS_CAP_TOKEN=TOKEN)
    processes = [ControllerProcess(env).start(), WorkerProcess(env).start(), UrgentWorker(env).start()]
    controller = processes[0]
    try:
        with app.app_context():
            pt = [make_contact(f"+849110{n:05d}", region="BT-PT").phone for n in range(PT_CONTACTS)]
            for n in range(HT_CONTACTS):
                make_contact(f"+849120{n:05d}", region="BT-HT")
            station_id, station_token = paired(STATION)
            _, tan_nghia_token = paired(TAN_NGHIA)
            promo = make_campaign({"vi": "Lễ hội thanh long Bình Thuận: giảm 30% vé tham quan."}, region="BT")
            promo_id = promo.id
        players = [open_player(chromium, controller.url, (960, 540), token=t) for t in (station_token,
                                                                                     tan_nghia_token)]
        for _context, page in players:
            wait_for(page, "window.__player && window.__player.alerts.counters.polls >= 1", 20)
        (_c1, station), (_c2, tan_nghia) = players
        with app.app_context():
            start_campaign(promo_id)
            deadline = time.monotonic() + 30
            while len(_sent([promo_id])) < 25 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(_sent([promo_id])) >= 25  # the big campaign is sending

        raised = _post_cap(controller.url, cap_xml(identifier="VN-NCHMF-2026-0900", severity="Extreme"))
        t0 = time.monotonic()
        assert raised["result"] == "raised" and raised["sms"] is True
        station.wait_for_selector("#alert:not([hidden])", timeout=5000)
        with app.app_context():
            while station_id not in acks_for(raised["alert"]) and time.monotonic() - t0 < 5:
                time.sleep(0.05)
            assert station_id in acks_for(raised["alert"])
        assert time.monotonic() - t0 < 5  # on the glass and acknowledged within 5 s
        time.sleep(2.5)  # at least one more poll of the other district's player
        assert tan_nghia.evaluate("document.getElementById('alert').hidden")

        with app.app_context():
            alert_campaign = db.session.scalar(select(Campaign.id).where(Campaign.alert_id == raised["alert"]))
            deadline = time.monotonic() + 30
            while len(_sent([alert_campaign])) < PT_CONTACTS and time.monotonic() < deadline:
                time.sleep(0.1)
            alert_sms = _sent([alert_campaign])
            assert sorted(phone for phone, _at in alert_sms) == sorted(pt)  # the district's contacts, once each
            first, last = alert_sms[0][1], alert_sms[-1][1]
            promo_sms = _sent([promo_id])
            between = [(p, at) for p, at in promo_sms if p in set(pt) and first <= at <= last]
            assert between == []  # no promotional message to those numbers while their alert SMS went out
            assert len(promo_sms) < PT_CONTACTS + HT_CONTACTS  # ... and the campaign was still sending: first

        cancelled = _post_cap(controller.url, cap_xml(
            identifier="VN-NCHMF-2026-0901", msg_type="Cancel", sent="2026-11-23T18:00:00+07:00",
            references="nchmf.gov.vn,VN-NCHMF-2026-0900,2026-11-23T16:00:00+07:00"))
        assert cancelled["result"] == "cancelled" and cancelled["sms_sent"] == PT_CONTACTS
        station.wait_for_selector("#alert", state="hidden", timeout=5000)
        for context, _page in players:
            context.close()
    finally:
        for process in reversed(processes):
            process.stop()

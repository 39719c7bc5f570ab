"""An alert's SMS: a property of the alert whoever raised it; to the regions of the screens it reaches (or the
chosen ones); first in line — its own queue, the rate first, promotional messages to the same numbers wait;
stopped by a cancel, an expiry or an update (what had gone is reported); its progress on the live board."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import time_machine
from rq import Queue
from sqlalchemy import select

from alerts.models import EmergencyAlert
from alerts.service import cancel_alert, expire_due, raise_alert
from signage.extensions import db
from signage.redis_client import URGENT_QUEUE, get_redis
from signage.timeutil import utcnow

DUNES = "Đồi cát Mũi Né — bãi đỗ xe"  # BT-PT-MN (Mũi Né ward)
RESORT = "Đường Nguyễn Đình Chiểu — khu resort Hàm Tiến"  # BT-PT-HTI (Hàm Tiến ward)


def _screen_id(name: str) -> int:
    from signage.models import Screen

    return db.session.scalar(select(Screen.id).where(Screen.name == name))


def _outbox() -> dict[str, list[str]]:
    from sms.models import OutboxMessage

    db.session.expire_all()
    found: dict[str, list[str]] = {}
    for row in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
        found.setdefault(row.phone, []).append(row.body)
    return found


def _messages(alert_id: int) -> list:
    from sms.models import Campaign, Message

    db.session.expire_all()
    return list(db.session.scalars(select(Message).join(Campaign).where(Campaign.alert_id == alert_id)
                                   .order_by(Message.id)))


def test_an_alert_aimed_at_two_screens_texts_their_wards_not_the_whole_city(app_ctx, demo, outbox_app, make_contact):
    make_contact("+84901000001", region="BT-PT-MN")
    make_contact("+84901000002", region="BT-PT-HTI")
    make_contact("+84901000003", region="BT-PT")  # the city, outside both wards
    make_contact("+84901000004", region="BT-HT")
    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Sóng lớn ở Mũi Né và Hàm Tiến"}, send_sms=True,
                        target_screen_ids=[_screen_id(DUNES), _screen_id(RESORT)])
    assert sorted(_outbox()) == ["+84901000001", "+84901000002"]
    [campaign_kind] = {m.campaign.kind for m in _messages(alert.id)}
    assert campaign_kind == "emergency"


def test_chosen_sms_regions_win_over_the_screens(app_ctx, demo, outbox_app, make_contact):
    make_contact("+84901000001", region="BT-PT-MN")
    make_contact("+84901000004", region="BT-HT")
    raise_alert(region_id=demo["BT"].id, messages={"vi": "Lũ"}, send_sms=True, target_screen_ids=[_screen_id(DUNES)],
                sms_region_ids=[demo["BT-HT"].id])
    assert list(_outbox()) == ["+84901000004"]


def test_sms_is_stored_on_the_alert_and_an_announcement_sends_a_public_service_sms(app, demo, outbox_app, make_contact,
                                                                                   as_user):
    from alerts.service import approve_alert

    make_contact("+84901000003", region="BT-PT")
    with as_user("operator"):
        notice = raise_alert(level="announcement", region_id=demo["BT-PT"].id, messages={"vi": "Cúp nước chiều nay"},
                             duration_s=3600, send_sms=True)
    assert notice.send_sms and _outbox() == {}  # waits for approval, SMS too
    with as_user("approver"):
        approve_alert(notice)
    [message] = _messages(notice.id)
    assert message.campaign.kind == "public_service" and message.campaign.valid_until == notice.expires_at
    assert _outbox()["+84901000003"] == ["Cúp nước chiều nay"]  # not advertising: no [QC] label


def _queued_alert_sms(demo, make_contact, count: int = 3) -> EmergencyAlert:
    """An alert whose SMS rows exist and wait in the urgent queue (no worker runs here)."""
    from sms.jobs import dispatch_campaign
    from sms.models import Campaign

    for n in range(count):
        make_contact(f"+8490100010{n}", region="BT-PT")
    alert = raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Bão"}, send_sms=True,
                        expires_at=utcnow() + timedelta(minutes=30))
    campaign = db.session.scalar(select(Campaign).where(Campaign.alert_id == alert.id))
    dispatch_campaign(campaign.id)  # rows created, batches queued on the urgent queue
    return alert


def test_an_alerts_sms_waits_on_the_urgent_queue_every_worker_takes_first(app, app_ctx, demo, make_contact):
    from sms.jobs import dispatch_campaign

    _queued_alert_sms(demo, make_contact)
    urgent = Queue(URGENT_QUEUE, connection=get_redis())
    assert [job.func_name for job in urgent.get_jobs()] == [f"{dispatch_campaign.__module__}.dispatch_campaign",
                                                            "sms.jobs.send_batch"]
    assert Queue("default", connection=get_redis()).count == 0
    from signage.redis_client import QUEUE_NAMES

    assert QUEUE_NAMES[0] == URGENT_QUEUE


def test_cancelling_stops_the_unsent_sms_and_reports_what_had_gone(app, login, demo, make_contact):
    from sms.models import MessageState, advance

    with app.app_context():
        alert = _queued_alert_sms(demo, make_contact)
        alert_id, first = alert.id, _messages(alert.id)[0].id
        advance(first, MessageState.SENDING)
        advance(first, MessageState.SENT)
    page = login("approver").post_form(f"/alerts/{alert_id}/cancel", {}, token_from=f"/alerts/{alert_id}",
                                       follow_redirects=True).get_data(as_text=True)
    assert "SMS: đã dừng 2 tin chưa gửi; 1 tin đã được gửi đi trước đó." in page  # 2 stopped, 1 had gone out
    with app.app_context():
        states = [(m.state, m.skip_reason) for m in _messages(alert_id)]
        assert states == [("sent", ""), ("skipped", "alert_cancelled"), ("skipped", "alert_cancelled")]
        assert {m.campaign.status for m in _messages(alert_id)} == {"cancelled"}


def test_the_expiry_stops_the_unsent_sms_too(app, app_ctx, demo, make_contact):
    alert = _queued_alert_sms(demo, make_contact)
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        assert expire_due() == [alert.id]
    assert {m.state for m in _messages(alert.id)} == {"skipped"}


def test_an_update_stops_the_replaced_alerts_unsent_sms(app, app_ctx, demo, make_contact):
    from alerts.service import update_alert

    old = _queued_alert_sms(demo, make_contact)
    update_alert([old], region_id=demo["BT-PT"].id, messages={"vi": "Bão mạnh thêm"}, send_sms=False)
    assert {m.state for m in _messages(old.id)} == {"skipped"}
    assert cancel_alert(old) is None  # replaced: already ended


def test_a_promotional_message_to_a_number_waits_for_its_alert_sms(app, app_ctx, demo, make_contact, make_campaign):
    from sms.dispatch import check_and_claim
    from sms.jobs import dispatch_campaign
    from sms.models import Campaign, Message

    alert = _queued_alert_sms(demo, make_contact, count=1)
    make_contact("+84901000999", region="BT-HT")  # not reached by the alert
    promo = make_campaign({"vi": "Ưu đãi thanh long"}, region="BT")
    with time_machine.travel(utcnow().replace(hour=3)):  # 10:00 in Vietnam: inside the promotional window
        dispatch_campaign(promo.id)
        rows = {m.phone: m for m in db.session.scalars(select(Message).where(Message.campaign_id == promo.id))}
        assert check_and_claim(rows["+84901000100"], utcnow())[0] == "deferred"
        assert check_and_claim(rows["+84901000999"], utcnow())[0] == "claimed"
    db.session.expire_all()
    assert rows["+84901000100"].skip_reason == "alert_first"
    cancel_alert(alert)  # its SMS are done (stopped): the promotional message may go
    assert db.session.scalar(select(Campaign.status).where(Campaign.alert_id == alert.id)) == "cancelled"


def test_urgent_takers_get_the_rate_first(app_ctx):
    from sms.throttle import URGENT_HOLD_S, Rate, TokenBucket

    bucket = TokenBucket(get_redis(), "BINHTHUAN", Rate(1000, 1000, 100, 100))
    assert bucket.try_take() == 0  # nobody urgent: tokens for everyone
    assert bucket.try_take(urgent=True) == 0
    assert 0 < bucket.try_take() <= 0.2  # while the alert sends, the others wait (a fraction of a second at a time)
    time.sleep(URGENT_HOLD_S + 0.1)  # Redis's own clock: the hold runs out for real
    assert bucket.try_take() == 0


def test_the_live_board_shows_the_sms_progress(app, login, demo, make_contact):
    from sms.models import MessageState, advance

    with app.app_context():
        alert = _queued_alert_sms(demo, make_contact, count=4)
        rows = _messages(alert.id)
        for row, target in zip(rows, (MessageState.DELIVERED, MessageState.FAILED), strict=False):
            advance(row.id, MessageState.SENDING)
            advance(row.id, MessageState.SENT)
            advance(row.id, target)
        alert_id = alert.id
    page = login("approver").get(f"/alerts/{alert_id}").get_data(as_text=True)
    progress = page[page.index('id="sms-progress"'):]
    counts = re.findall(r"<strong[^>]*>(\d+)</strong>", progress)[:6]
    assert counts == ["4", "2", "0", "1", "1", "0"]  # total, queued, sent, delivered, failed, stopped
    assert 'role="progressbar"' in progress and 'aria-valuenow="2"' in progress

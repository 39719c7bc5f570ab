"""Urgent announcements and corrections ("cải chính"): submitted by anyone, approved by a second person, on air
through the alert fast path in the official styling for a set time, audited and kept for reports. And the
two-person confirmation of emergencies a region can ask for."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from alerts.models import AlertRegionRule, EmergencyAlert
from signage.extensions import db
from signage.models import AuditLog
from tests.alerts.conftest import poll

MARKET = "Chợ Phan Thiết"  # BT-PT
TAN_NGHIA = "Trung tâm thị trấn Tân Nghĩa"  # BT-HT
CORRECTION = "Cải chính: thông tin cấm tắm biển Mũi Né hôm nay là sai. Bãi biển mở cửa bình thường."


def _submit(client, level: str, region_id: int, **fields):
    data = {"level": level, "region_id": region_id, "message_vi": CORRECTION,
            "message_en": "Correction: Mui Ne beach is open as usual.", "duration_min": "30", "confirm": "y"}
    data.update(fields)
    return client.post_form(f"/alerts/new?level={level}", data)


def _only_alert() -> EmergencyAlert:
    db.session.expire_all()
    return db.session.scalar(select(EmergencyAlert))


def test_a_correction_goes_on_air_only_when_a_second_person_approves_it(app, login, demo, paired):
    _, market = paired(MARKET)
    operator, approver = login("operator"), login("approver")
    assert _submit(operator, "correction", demo["BT-PT"].id).status_code == 302
    with app.app_context():
        alert = _only_alert()
        assert alert.pending and alert.started_at is None and alert.level == "correction"
        alert_id = alert.id
    tag = poll(app, market).headers["ETag"]
    assert poll(app, market, tag).status_code == 304  # nothing on the glass while it waits
    assert CORRECTION[:40] in approver.get("/approvals/").get_data(as_text=True)

    response = approver.post_form(f"/alerts/{alert_id}/approve", {}, token_from=f"/alerts/{alert_id}")
    assert response.status_code == 303
    body = poll(app, market, tag).get_json()  # the fast path, within one alert poll
    [shown] = body["alerts"]
    assert shown["level"] == "correction" and shown["messages"]["vi"] == CORRECTION
    with app.app_context():
        alert = _only_alert()
        assert alert.expires_at - alert.started_at == timedelta(minutes=30)
        assert shown["expires_ms"] == int(alert.expires_at.timestamp() * 1000)
        assert alert.reviewed_by.username == "approver" and alert.submitted_by.username == "operator"
        audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "EmergencyAlert")
                                   .order_by(AuditLog.id)).all()
    assert [(a.action, a.username) for a in audit] == [("create", "operator"), ("update", "approver")]
    assert audit[1].after["approval_state"] == "approved"


def test_nobody_approves_their_own_announcement(app, login, demo):
    approver = login("approver")
    _submit(approver, "announcement", demo["BT"].id)
    with app.app_context():
        alert_id = _only_alert().id
    page = approver.post_form(f"/alerts/{alert_id}/approve", {}, token_from=f"/alerts/{alert_id}",
                              follow_redirects=True).get_data(as_text=True)
    assert "nguyên tắc hai người" in page  # "another approver must approve it (four-eyes rule)"
    with app.app_context():
        assert _only_alert().pending
    assert login("admin").post_form(f"/alerts/{alert_id}/approve", {}, token_from=f"/alerts/{alert_id}")\
        .status_code == 303
    with app.app_context():
        assert _only_alert().active


def test_an_announcement_needs_its_time_on_air(login, demo):
    response = _submit(login("operator"), "announcement", demo["BT"].id, duration_min="")
    assert response.status_code == 400


def test_operators_may_submit_announcements_but_not_raise_emergencies(login, demo):
    operator = login("operator")
    assert operator.get("/alerts/new?level=announcement").status_code == 200
    assert operator.get("/alerts/new?level=correction").status_code == 200
    assert operator.get("/alerts/new").status_code == 403


def test_an_emergency_covers_an_announcement_on_the_same_screen(app, app_ctx, demo, paired, as_user):
    from alerts.rules import shown_levels
    from alerts.service import approve_alert, raise_alert

    _, market = paired(MARKET)
    with as_user("operator"):
        notice = raise_alert(level="announcement", region_id=demo["BT"].id, messages={"vi": "Thông báo"},
                             duration_s=600, created_by_id=None)
    with as_user("approver"):
        approve_alert(notice)
    raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Bão"})
    alerts = poll(app, market).get_json()["alerts"]
    assert [a["level"] for a in alerts] == ["emergency", "announcement"]  # both sent, emergency first
    assert [a["level"] for a in shown_levels(alerts, 0)] == ["emergency"]  # the player shows the emergency


def test_an_announcement_leaves_every_screen_when_its_time_is_up(app, app_ctx, demo, paired, as_user):
    from alerts.service import approve_alert, expire_due, raise_alert
    from signage.timeutil import utcnow

    _, market = paired(MARKET)
    with as_user("operator"):
        notice = raise_alert(level="announcement", region_id=demo["BT"].id, messages={"vi": "Thông báo"},
                             duration_s=600)
    with as_user("approver"):
        approve_alert(notice)
    tag = poll(app, market).headers["ETag"]
    with time_machine.travel(utcnow() + timedelta(minutes=11)):
        assert expire_due() == [notice.id]
        after = poll(app, market, tag)
    assert after.status_code == 200 and after.get_json()["alerts"] == []
    db.session.refresh(notice)
    assert notice.ended_reason == "expired" and notice.cancelled_at == notice.expires_at


def test_a_region_can_ask_a_second_person_to_confirm_every_emergency(app, login, demo, paired):
    _, market = paired(MARKET)
    with app.app_context():
        db.session.add(AlertRegionRule(region_id=demo["BT-PT"].id, two_person=True))
        db.session.commit()
    approver = login("approver")
    response = approver.post_form("/alerts/new", {"region_id": demo["BT-PT"].id, "severity": "extreme",
                                                  "message_vi": "Sóng thần", "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        alert = _only_alert()
        assert alert.pending and alert.level == "emergency"
        alert_id = alert.id
    assert poll(app, market).get_json()["alerts"] == []
    approver.post_form(f"/alerts/{alert_id}/approve", {}, token_from=f"/alerts/{alert_id}")  # the raiser: refused
    assert poll(app, market).get_json()["alerts"] == []
    login("admin").post_form(f"/alerts/{alert_id}/approve", {}, token_from=f"/alerts/{alert_id}")
    assert [a["messages"]["vi"] for a in poll(app, market).get_json()["alerts"]] == ["Sóng thần"]


def test_the_confirmation_rule_of_a_district_overrides_the_provinces(app, app_ctx, demo):
    from alerts.service import raise_alert

    db.session.add_all([AlertRegionRule(region_id=demo["BT"].id, two_person=True),
                        AlertRegionRule(region_id=demo["BT-HT"].id, two_person=False)])
    db.session.commit()
    assert raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "A"}).pending
    assert not raise_alert(region_id=demo["BT-HT"].id, messages={"vi": "B"}).pending
    assert not raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "C"}, source="cap").pending  # CAP: at once


def test_the_alert_table_keeps_the_level_for_reports(app, app_ctx, demo, as_user):
    from alerts.service import raise_alert

    with as_user("operator"):
        raise_alert(level="correction", region_id=demo["BT"].id, messages={"vi": "Cải chính"}, duration_s=60)
    raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão"})
    rows = db.session.execute(select(EmergencyAlert.level, EmergencyAlert.approval_state)
                              .order_by(EmergencyAlert.id)).all()
    assert [tuple(r) for r in rows] == [("correction", "submitted"), ("emergency", "approved")]

"""The technicians' emails, received by a real SMTP server on localhost: after the grace period, once per
technician however often the jobs run, not about an incident that recovered within its grace period, not
again within the cooldown, non-urgent causes held in quiet hours, and one daily digest."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from fleet import notify, service
from fleet.models import Incident, Notification
from signage.extensions import db
from tests.fleet.conftest import beat

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
SCREEN = "Bến xe Phan Thiết"


def silent_from(sid: int, at: datetime) -> None:
    beat(sid, at)  # the last heartbeat; the screen says nothing after it


def test_a_technician_is_emailed_once_after_the_grace_period(mail_app, smtp, screens, technician):
    technician("phanthiet", "BT-PT", "ky-thuat@phanthiet.example")
    sid = screens[SCREEN].id
    silent_from(sid, T0)
    service.run(T0 + timedelta(minutes=11))  # opened
    service.run(T0 + timedelta(minutes=15))  # 4 minutes open: within the grace period
    assert smtp.inbox.messages == []
    for minute in range(16, 30):
        service.run(T0 + timedelta(minutes=minute))
    assert smtp.inbox.to() == ["ky-thuat@phanthiet.example"]
    assert smtp.inbox.subjects() == [f"Màn hình {SCREEN}: Mất kết nối"]  # in the technician's language


def test_the_notification_job_run_again_sends_nothing_more(mail_app, smtp, screens, technician):
    technician("phanthiet", "BT-PT", "ky-thuat@phanthiet.example")
    sid = screens[SCREEN].id
    silent_from(sid, T0)
    service.run(T0 + timedelta(minutes=11))
    service.run(T0 + timedelta(minutes=17))
    incident_id = db.session.scalar(select(Incident.id))
    assert notify.notify_incident(incident_id, "opened") == 0  # an RQ retry, or the job queued twice
    assert len(smtp.inbox.messages) == 1
    assert db.session.scalars(select(Notification.status)).all() == ["sent"]


def test_technicians_of_the_regions_above_are_told_and_those_of_other_regions_are_not(
        mail_app, smtp, screens, technician):
    technician("admin", "BT", "so@binhthuan.example")
    technician("hamtan", "BT-HT", "ky-thuat@hamtan.example")
    silent_from(screens[SCREEN].id, T0)
    service.run(T0 + timedelta(minutes=11))
    service.run(T0 + timedelta(minutes=17))
    assert smtp.inbox.to() == ["so@binhthuan.example"]


def test_an_incident_that_recovers_within_its_grace_period_sends_nothing(mail_app, smtp, screens, technician):
    technician("phanthiet", "BT-PT", "ky-thuat@phanthiet.example")
    sid = screens[SCREEN].id
    silent_from(sid, T0)
    service.run(T0 + timedelta(minutes=11))
    beat(sid, T0 + timedelta(minutes=13))
    for minute in range(14, 20):
        service.run(T0 + timedelta(minutes=minute))
    assert smtp.inbox.messages == []
    assert db.session.scalars(select(Incident.closed_reason)).all() == ["recovered"]


def test_recovery_is_emailed_to_those_told_of_the_incident(mail_app, smtp, screens, technician):
    technician("phanthiet", "BT-PT", "ky-thuat@phanthiet.example")
    sid = screens[SCREEN].id
    silent_from(sid, T0)
    service.run(T0 + timedelta(minutes=11))
    service.run(T0 + timedelta(minutes=17))
    beat(sid, T0 + timedelta(minutes=40))
    service.run(T0 + timedelta(minutes=41))
    assert len(smtp.inbox.messages) == 2 and SCREEN in smtp.inbox.subjects()[1]


def test_no_second_email_about_the_same_screen_and_cause_within_the_cooldown(mail_app, smtp, screens, technician):
    technician("phanthiet", "BT-PT", "ky-thuat@phanthiet.example")
    sid = screens[SCREEN].id
    silent_from(sid, T0)
    service.run(T0 + timedelta(minutes=11))
    service.run(T0 + timedelta(minutes=17))  # opened + emailed
    beat(sid, T0 + timedelta(minutes=30))
    service.run(T0 + timedelta(minutes=31))  # recovered + emailed
    service.run(T0 + timedelta(minutes=42))  # silent again: a second incident
    service.run(T0 + timedelta(minutes=48))
    assert len(smtp.inbox.messages) == 2
    assert db.session.scalars(select(Incident.notice).order_by(Incident.id)).all() == ["sent", "cooldown"]


def test_quiet_hours_hold_back_a_non_urgent_cause_for_the_digest(mail_app, smtp, screens, technician, monkeypatch):
    monkeypatch.setitem(mail_app.config, "FLEET_QUIET_HOURS", (time(7, 0), time(9, 0)))  # T0 is 08:00 local
    technician("phanthiet", "BT-PT", "ky-thuat@phanthiet.example")
    sid = screens[SCREEN].id
    for n in range(25):
        beat(sid, T0 + timedelta(minutes=n), diagnostics={"free_storage_bytes": 10 << 20})
    service.run(T0 + timedelta(minutes=1))
    service.run(T0 + timedelta(minutes=7))
    assert smtp.inbox.messages == []
    assert db.session.scalars(select(Incident.notice)).all() == ["quiet"]
    assert notify.send_digests(T0 + timedelta(minutes=24)) == 1
    assert notify.send_digests(T0 + timedelta(minutes=25)) == 0  # one digest per technician and day
    assert SCREEN in smtp.inbox.messages[0].get_content()


def test_a_failed_send_is_sent_by_the_retry_and_only_once(mail_app, smtp, screens, technician, monkeypatch):
    technician("phanthiet", "BT-PT", "ky-thuat@phanthiet.example")
    technician("admin", "BT", "so@binhthuan.example")
    silent_from(screens[SCREEN].id, T0)
    service.run(T0 + timedelta(minutes=11))
    real_send, calls = notify.send_email, []

    def send_once_then_fail(to, subject, body):
        calls.append(to)
        if len(calls) == 2:
            raise ConnectionRefusedError("SMTP server away")
        real_send(to, subject, body)

    monkeypatch.setattr(notify, "send_email", send_once_then_fail)
    service.run(T0 + timedelta(minutes=17))  # the first technician's email goes, the second one's fails
    incident_id = db.session.scalar(select(Incident.id))
    assert notify.notify_incident(incident_id, "opened") == 1  # the retry sends only the failed one
    assert notify.notify_incident(incident_id, "opened") == 0
    assert sorted(smtp.inbox.to()) == ["ky-thuat@phanthiet.example", "so@binhthuan.example"]

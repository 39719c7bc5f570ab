"""The technicians' SMS: through the real `twilio` client against the local stand-in of Twilio's API, and through
the outbox gateway. After the grace period, once per technician however often the jobs run or retry, "closed"
once on recovery, only to technicians who chose SMS, non-urgent causes held in quiet hours, outside every
promotional rule (window, daily cap, opt-out, do-not-contact), a refused number recorded and not retried; the
setup form refuses SMS without a valid mobile number."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from fleet import notify, service
from fleet.models import Incident, Notification, Technician
from signage.extensions import db
from signage.models import User
from signage.timeutil import utcnow
from sms.models import Campaign, Contact, Message, OutboxMessage, SuppressionEntry
from sms.optouts import ALL_KINDS, opt_out
from tests.fleet.conftest import beat
from tests.sms.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
SCREEN = "Bến xe Phan Thiết"
PHONE = "+84912345678"
SENDER = "BINHTHUAN"
BASE = "https://sms.example.vn"


@pytest.fixture
def standin():
    server = TwilioStandIn(callbacks=False).start()
    yield server
    server.stop()


@pytest.fixture
def sms_app(app, monkeypatch):
    """Jobs inline, no email server (SMS only), no quiet hours unless a test sets them; the throttle stays on
    (the operational path takes the urgent share of the sender's bucket in Redis)."""
    for key, value in {"RQ_SYNC": True, "SMTP_HOST": "", "FLEET_QUIET_HOURS": None, "PUBLIC_BASE_URL": BASE,
                       "SMS_BRANDNAME": "BTTOURISM"}.items():
        monkeypatch.setitem(app.config, key, value)
    app.extensions.pop("sms_gateway", None)
    yield app
    app.extensions.pop("sms_gateway", None)


@pytest.fixture
def twilio_sms(sms_app, standin, monkeypatch):
    for key, value in {"SMS_GATEWAY": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                       "TWILIO_FROM": SENDER, "TWILIO_API_BASE": standin.url}.items():
        monkeypatch.setitem(sms_app.config, key, value)
    return sms_app


@pytest.fixture
def outbox_sms(sms_app, monkeypatch):
    monkeypatch.setitem(sms_app.config, "SMS_GATEWAY", "outbox")
    return sms_app


@pytest.fixture
def texted(technician):
    """`texted("phanthiet", "BT-PT")` → a technician who chose SMS at PHONE (and has an email address)."""

    def _make(username: str, region_code: str, phone: str = PHONE, *, sms: bool = True) -> Technician:
        row = technician(username, region_code, f"{username}@binhthuan.example")
        row.phone, row.notify_sms = phone, sms
        db.session.commit()
        return row

    return _make


def open_and_tell(sid: int, start: datetime = T0, until_minute: int = 30) -> None:
    """The screen falls silent at `start`; the evaluation runs every minute until `until_minute`."""
    beat(sid, start)
    for minute in range(11, until_minute):
        service.run(start + timedelta(minutes=minute))


def sms_ledger() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(n.key, n.status, n.recipient) for n in db.session.scalars(
        select(Notification).where(Notification.channel == "sms").order_by(Notification.id))]


def test_an_incident_is_texted_once_after_the_grace_period(twilio_sms, standin, screens, texted):
    texted("phanthiet", "BT-PT")
    sid = screens[SCREEN].id
    beat(sid, T0)
    service.run(T0 + timedelta(minutes=11))  # opened
    service.run(T0 + timedelta(minutes=15))  # within the grace period
    assert standin.messages == []
    for minute in range(16, 30):
        service.run(T0 + timedelta(minutes=minute))
    assert standin.received() == {PHONE: 1}
    incident_id = db.session.scalar(select(Incident.id))
    message = standin.messages[0]
    # in Vietnamese, without accents so it fits one GSM-7 segment, with the link to the incident page
    assert message["body"] == ("Man hinh Ben xe Phan Thiet tai Thanh pho Phan Thiet: Mat ket noi tu 2026-03-01 08:11. "
                               f"{BASE}/fleet/incidents/{incident_id}")
    assert message["num_segments"] == "1"
    # the gateway's own sender, as emergency SMS: never the promotional brandname, no promotional validity
    assert (message["from"], message["validity_period"]) == (SENDER, None)
    ledger = db.session.scalars(select(Notification).where(Notification.channel == "sms")).one()
    assert (ledger.key, ledger.status, ledger.provider_id) == (
        f"incident:{incident_id}:opened:tech:1:sms", "sent", message["sid"])


def test_running_the_job_again_texts_nothing_more(twilio_sms, standin, screens, texted):
    texted("phanthiet", "BT-PT")
    open_and_tell(screens[SCREEN].id, until_minute=18)
    incident_id = db.session.scalar(select(Incident.id))
    assert notify.notify_incident(incident_id, "opened") == 0  # an RQ retry, or the job queued twice
    assert standin.received() == {PHONE: 1}


def test_a_send_the_gateway_refused_for_now_is_texted_by_the_retry_once(twilio_sms, standin, screens, texted):
    texted("phanthiet", "BT-PT")
    standin.fail(PHONE, (503, None))
    open_and_tell(screens[SCREEN].id, until_minute=18)  # the job's attempt gets a 503
    assert standin.messages == []
    assert [status for _, status, _ in sms_ledger()] == ["failed"]
    incident_id = db.session.scalar(select(Incident.id))
    assert notify.notify_incident(incident_id, "opened") == 1  # RQ's retry
    assert notify.notify_incident(incident_id, "opened") == 0
    assert standin.received() == {PHONE: 1}


def test_recovery_is_texted_once(twilio_sms, standin, screens, texted):
    texted("phanthiet", "BT-PT")
    sid = screens[SCREEN].id
    open_and_tell(sid, until_minute=18)
    beat(sid, T0 + timedelta(minutes=40))
    for minute in range(41, 45):
        service.run(T0 + timedelta(minutes=minute))
    incident_id = db.session.scalar(select(Incident.id))
    assert notify.notify_incident(incident_id, "closed") == 0
    opened, closed = (m["body"] for m in standin.messages)
    assert "Mat ket noi tu 2026-03-01 08:11." in opened
    assert f"het tinh trang Mat ket noi (2026-03-01 08:41). {BASE}/fleet/incidents/{incident_id}" in closed
    assert [key.split(":")[2] for key, *_ in sms_ledger()] == ["opened", "closed"]


def test_recovery_is_not_texted_to_a_technician_not_texted_about_the_opening(twilio_sms, standin, screens, texted):
    sid = screens[SCREEN].id
    open_and_tell(sid, until_minute=18)  # nobody chose SMS yet
    texted("phanthiet", "BT-PT")
    beat(sid, T0 + timedelta(minutes=40))
    service.run(T0 + timedelta(minutes=41))
    assert standin.messages == []


def test_a_technician_who_did_not_choose_sms_gets_none(outbox_sms, screens, texted):
    texted("phanthiet", "BT-PT", sms=False)
    open_and_tell(screens[SCREEN].id)
    assert db.session.scalar(select(Incident.notice)) == "sent"
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert sms_ledger() == []


def test_every_technician_of_the_regions_above_who_chose_sms_is_texted_through_the_outbox(outbox_sms, screens,
                                                                                        texted):
    texted("admin", "BT", "0987 654 321")  # stored as typed by `flask fleet technician`: normalised to send
    texted("phanthiet", "BT-PT")
    texted("hamtan", "BT-HT", "+84911111111")  # another district
    open_and_tell(screens[SCREEN].id)
    sent = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.phone, m.sender) for m in sent] == [("+84987654321", "OUTBOX"), (PHONE, "OUTBOX")]
    assert all("Ben xe Phan Thiet" in m.body for m in sent)
    assert [recipient for *_, recipient in sms_ledger()] == ["+84987654321", PHONE]


def test_quiet_hours_hold_back_a_non_urgent_cause(outbox_sms, screens, texted, monkeypatch):
    monkeypatch.setitem(outbox_sms.config, "FLEET_QUIET_HOURS", (time(7, 0), time(9, 0)))  # T0 is 08:00 local
    texted("phanthiet", "BT-PT")
    sid = screens[SCREEN].id
    for n in range(25):
        beat(sid, T0 + timedelta(minutes=n), diagnostics={"free_storage_bytes": 10 << 20})
        service.run(T0 + timedelta(minutes=n))
    assert db.session.scalars(select(Incident.cause)).all() == ["storage_low"]
    assert db.session.scalars(select(Incident.notice)).all() == ["quiet"]
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_quiet_hours_do_not_hold_back_an_urgent_cause(outbox_sms, screens, texted, monkeypatch):
    monkeypatch.setitem(outbox_sms.config, "FLEET_QUIET_HOURS", (time(7, 0), time(9, 0)))
    texted("phanthiet", "BT-PT")
    open_and_tell(screens[SCREEN].id)
    assert [m.phone for m in db.session.scalars(select(OutboxMessage))] == [PHONE]


def test_a_technician_is_texted_outside_every_promotional_rule(outbox_sms, screens, texted, demo):
    """At 23:30 (promotional SMS wait for 07:00), to a number that refused every kind of SMS as a contact, on
    the do-not-contact list, with today's three promotional messages (the daily cap) already sent."""
    texted("phanthiet", "BT-PT")
    night = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)
    contact = Contact(phone=PHONE, region_id=demo["BT-PT"].id, consent_at=night - timedelta(days=30))
    campaign = Campaign(name="Lễ hội", region_id=demo["BT"].id, kind="promotional", messages={"vi": "Tin"},
                        status="done")
    db.session.add_all([contact, campaign, SuppressionEntry(list_name="national-dnc", phone=PHONE)])
    db.session.flush()
    db.session.add_all([Message(campaign_id=campaign.id, contact_id=contact.id, occurrence=str(n), phone=PHONE,
                                promotional=True, body="Tin", state="delivered",
                                claimed_at=night - timedelta(hours=n + 1)) for n in range(3)])
    db.session.commit()
    opt_out(contact.id, ALL_KINDS, "keyword")
    with time_machine.travel(night, tick=True):
        open_and_tell(screens[SCREEN].id, start=utcnow())
    sent = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.phone, m.direction) for m in sent] == [(PHONE, "out")]
    assert "/sms/o/" not in sent[0].body and "[QC]" not in sent[0].body  # no opt-out link, no promotional label


def test_a_number_the_gateway_refuses_is_recorded_and_not_retried(twilio_sms, standin, screens, texted):
    texted("phanthiet", "BT-PT")
    standin.fail(PHONE, (400, 21211))  # invalid number: permanent
    open_and_tell(screens[SCREEN].id, until_minute=18)
    incident_id = db.session.scalar(select(Incident.id))
    assert notify.notify_incident(incident_id, "opened") == 0
    assert standin.requests == 1 and standin.messages == []
    ledger = db.session.scalars(select(Notification).where(Notification.channel == "sms")).one()
    assert ledger.status == "refused" and "21211" in ledger.error


def test_an_sms_failure_does_not_hold_back_the_email(twilio_sms, standin, screens, texted, smtp, monkeypatch):
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_TLS": False}.items():
        monkeypatch.setitem(twilio_sms.config, key, value)
    texted("phanthiet", "BT-PT")
    standin.fail(PHONE, (503, None))
    open_and_tell(screens[SCREEN].id, until_minute=18)
    assert smtp.inbox.to() == ["phanthiet@binhthuan.example"]
    assert f"{BASE}/fleet/incidents/" in smtp.inbox.messages[0].get_content()
    assert [status for _, status, _ in sms_ledger()] == ["failed"]


def test_the_digest_is_texted_to_a_technician_without_email_only(outbox_sms, screens, texted, monkeypatch):
    monkeypatch.setitem(outbox_sms.config, "FLEET_QUIET_HOURS", (time(7, 0), time(9, 0)))
    texted("phanthiet", "BT-PT")  # has an email address: the digest goes there (no SMTP here: not at all)
    no_email = texted("admin", "BT", "+84987654321")
    no_email.email = ""
    db.session.commit()
    sid = screens[SCREEN].id
    for n in range(8):
        beat(sid, T0 + timedelta(minutes=n), diagnostics={"free_storage_bytes": 10 << 20})
        service.run(T0 + timedelta(minutes=n))  # storage low in quiet hours: left to the digest
    assert notify.send_digests(T0 + timedelta(minutes=30)) == 1
    assert notify.send_digests(T0 + timedelta(minutes=31)) == 0  # once per technician and day
    assert [(m.phone, m.body) for m in db.session.scalars(select(OutboxMessage))] == [
        ("+84987654321", f"Man hinh: 1 su co trong 24 gio qua {BASE}/fleet/incidents")]


# ---------------------------------------------------------------- the setup form


def _post_technician(login, demo, **fields):
    hamtan_id = db.session.scalar(select(User.id).where(User.username == "hamtan"))
    data = {"action": "tech", "tech-user_id": hamtan_id, "tech-region_id": demo["BT-HT"].id,
            "tech-email": "ky-thuat@hamtan.example", **{f"tech-{k}": v for k, v in fields.items()}}
    return login("admin").post_form("/fleet/setup", data)


def test_the_form_refuses_sms_without_a_valid_mobile_number(login, demo):
    response = _post_technician(login, demo, phone="12345", notify_sms="y")
    assert response.status_code == 400
    assert "Nhắn SMS cần số di động hợp lệ" in response.get_data(as_text=True)
    assert db.session.scalars(select(Technician)).all() == []


def test_the_form_keeps_an_sms_technicians_number_in_e164(login, demo):
    response = _post_technician(login, demo, phone="0912 345 678", notify_sms="y", email="")
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.scalars(select(Technician)).one()
    assert (row.phone, row.notify_sms, row.email) == (PHONE, True, "")


def test_the_form_needs_an_email_address_or_sms(login, demo):
    response = _post_technician(login, demo, email="", phone="0912 345 678")
    assert response.status_code == 400
    assert "Nhập địa chỉ email, hoặc chọn Nhắn SMS." in response.get_data(as_text=True)


def test_the_setup_page_shows_the_sms_checkbox_with_its_label(login, demo):
    html = login("admin").get("/fleet/setup").get_data(as_text=True)
    assert 'name="tech-notify_sms"' in html and "Nhắn SMS" in html


def test_the_incident_page_lists_the_technicians_told_by_sms(outbox_sms, screens, texted, login):
    texted("phanthiet", "BT-PT")
    open_and_tell(screens[SCREEN].id)
    incident_id = db.session.scalar(select(Incident.id))
    html = login("phanthiet").get(f"/fleet/incidents/{incident_id}").get_data(as_text=True)
    told = html[html.index('id="notices"'):html.index('id="notes"')]
    assert "SMS" in told and PHONE in told and "đã gửi" in told


def test_without_an_email_server_the_incident_list_says_only_sms_technicians_are_told(outbox_sms, texted, login):
    texted("phanthiet", "BT-PT")
    html = login("phanthiet").get("/fleet/incidents").get_data(as_text=True)
    assert "chỉ kỹ thuật viên chọn Nhắn SMS được báo" in html

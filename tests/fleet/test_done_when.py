"""Issue 13, done when (health history): a player that stops reporting opens an incident, its technician
gets one email at a real SMTP server — sent by a real RQ worker, however many evaluations ran — and the
incident closes (with a second email saying so) when the player reports again. Heartbeats go through the
player API at a frozen clock; the evaluation is the job's body (fleet.service.run) at that clock."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from fleet import service
from fleet.models import Incident
from players import pairing
from signage.extensions import db
from signage.timeutil import utcnow

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam, outside quiet hours
SCREEN = "Bến xe Phan Thiết"


def paired_player(app, screen):
    with app.test_request_context():
        request = pairing.start_pairing({"ua": "test"})
        pairing.claim(request.code, screen, None)
        status, body = pairing.poll(request.id)
    assert status == 200
    http = app.test_client()
    http.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {body['token']}"
    return http


def at(when: datetime, player=None) -> None:
    """At `when`: the player's heartbeat (if it still reports), then the minute's evaluation."""
    with time_machine.travel(when, tick=False):
        if player is not None:
            assert player.post("/api/player/v1/heartbeat", json={"app_version": "1"}).status_code == 200
        service.run(utcnow())


def test_a_stopped_player_opens_an_incident_emails_once_and_closes_on_recovery(
        app, smtp, screens, technician, worker_factory):
    technician("phanthiet", "BT-PT", "ky-thuat@phanthiet.example")
    screen = screens[SCREEN]
    player = paired_player(app, screen)
    mail_env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "SMTP_TLS": "off"}

    for n in range(10):  # playing: a heartbeat every 30 s
        at(T0 + timedelta(seconds=30 * n), player)
    stopped = T0 + timedelta(seconds=270)
    for minute in range(1, 21):  # stopped: twenty evaluations of the silence
        at(stopped + timedelta(minutes=minute))
    db.session.expire_all()
    incident = db.session.scalars(select(Incident)).one()
    assert (incident.screen_id, incident.cause, incident.status) == (screen.id, "offline", "open")
    back = stopped + timedelta(minutes=30)
    at(back, player)
    db.session.expire_all()
    assert (incident.status, incident.closed_reason, incident.closed_at) == ("closed", "recovered", back)

    assert worker_factory(burst=True, **mail_env).wait() == 0  # sends what the evaluations queued
    assert smtp.inbox.to() == ["ky-thuat@phanthiet.example"] * 2
    opened, closed = smtp.inbox.subjects()
    assert SCREEN in opened and SCREEN in closed and opened != closed

"""The technicians' emails: one about each incident they must hear of (opened, then closed), and a daily
digest of their region's incidents. Sent over SMTP (settings SMTP_*) by RQ jobs (fleet.jobs).

Contract: every email has a ledger row (fleet.models.Notification) whose unique `key` names the work. The
job that inserts the row (status "sending") is the only one that sends; a send that fails marks it "failed",
which a retry may claim again; "sent" is final. A retry of the job, or the same job queued twice, never
sends an email twice (at most once per key: a worker killed between the send and the "sent" leaves
"sending", and nobody sends again).
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from fleet.labels import CAUSE_LABELS
from fleet.models import Incident, Notification, Technician
from fleet.service import insert_ignoring_duplicates
from signage.extensions import db
from signage.models import Region
from signage.timeutil import local_tz, utcnow


def technicians_for(region_path: str) -> list[Technician]:
    """The active technicians of the region at `region_path` and of every region above it."""
    ids = [int(part) for part in region_path.strip("/").split("/") if part]
    return list(db.session.scalars(select(Technician).where(Technician.region_id.in_(ids),
                                                            Technician.active.is_(True)).order_by(Technician.id)))


def claim(key: str, recipient: str, incident_id: int | None) -> bool:
    """Take the right to send the email `key`: True for the one caller that inserted it (or re-claimed a
    failed one)."""
    inserted = insert_ignoring_duplicates(Notification.__table__, [{
        "key": key, "recipient": recipient, "incident_id": incident_id, "status": "sending", "created_at": utcnow(),
        "error": ""}])
    if not inserted:
        inserted = db.session.execute(update(Notification).where(Notification.key == key,
                                                                 Notification.status == "failed")
                                      .values(status="sending").execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return inserted == 1


def _finish(key: str, error: str = "") -> None:
    db.session.execute(update(Notification).where(Notification.key == key, Notification.status == "sending").values(
        status="failed" if error else "sent", sent_at=None if error else utcnow(), error=error[:500])
        .execution_options(synchronize_session=False))
    db.session.commit()


def send_email(to: str, subject: str, body: str) -> None:
    cfg = current_app.config
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = cfg["SMTP_FROM"], to, subject
    message.set_content(body)
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT_S"]) as smtp:
        if cfg["SMTP_TLS"]:
            smtp.starttls()
        if cfg["SMTP_USER"]:
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
        smtp.send_message(message)


def _deliver(key: str, technician: Technician, incident_id: int | None, compose) -> bool:
    if not claim(key, technician.email, incident_id):
        return False
    try:
        with force_locale(technician.user.locale or "vi"):
            subject, body = compose()
        send_email(technician.email, subject, body)
    except Exception as exc:
        _finish(key, f"{type(exc).__name__}: {exc}")
        raise
    _finish(key)
    return True


def _local(at: datetime) -> str:
    return at.astimezone(local_tz()).strftime("%Y-%m-%d %H:%M")


def _incident_line(incident: Incident) -> str:
    where = f"{incident.screen.name} ({incident.region.name})"
    return f"{where}: {CAUSE_LABELS[incident.cause]} — {_local(incident.opened_at)}"


def notify_incident(incident_id: int, event: str) -> int:
    """Email every technician of the incident's region about `event` ("opened" / "closed"). Returns how
    many emails went out in this call."""
    if not current_app.config["SMTP_HOST"]:
        current_app.logger.warning("SMTP_HOST is empty: no email about incident %s", incident_id)
        return 0
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        return 0

    def compose() -> tuple[str, str]:
        cause = CAUSE_LABELS[incident.cause]
        if event == "opened":
            subject = _("Screen %(screen)s: %(cause)s", screen=incident.screen.name, cause=cause)
            body = _("Screen %(screen)s in %(region)s: %(cause)s since %(at)s.", screen=incident.screen.name,
                     region=incident.region.name, cause=cause, at=_local(incident.opened_at))
        else:
            subject = _("Screen %(screen)s: back to normal", screen=incident.screen.name)
            body = _("Screen %(screen)s in %(region)s: %(cause)s is over (%(at)s).", screen=incident.screen.name,
                     region=incident.region.name, cause=cause, at=_local(incident.closed_at or utcnow()))
        return subject, body + "\n"

    sent = 0
    for technician in technicians_for(incident.region.path):
        sent += _deliver(f"incident:{incident_id}:{event}:tech:{technician.id}", technician, incident_id, compose)
    return sent


def send_digests(now: datetime) -> int:
    """The daily digest: to each technician, the incidents of their region's subtree opened in the last 24
    hours or still open. One per technician and local day (nothing to say: no email)."""
    if not current_app.config["SMTP_HOST"]:
        return 0
    day = now.astimezone(local_tz()).date().isoformat()
    sent = 0
    for technician in db.session.scalars(select(Technician).where(Technician.active.is_(True))):
        incidents = list(db.session.scalars(
            select(Incident).join(Region, Region.id == Incident.region_id)
            .where(Region.path.startswith(technician.region.path),
                   or_(Incident.active.is_(True), Incident.opened_at >= now - timedelta(hours=24)))
            .order_by(Incident.opened_at)))
        if not incidents:
            continue

        def compose(incidents=incidents) -> tuple[str, str]:
            subject = _("Screens: %(num)d incidents in the last 24 hours", num=len(incidents))
            lines = [("● " if i.active else "○ ") + _incident_line(i) for i in incidents]
            return subject, "\n".join(lines) + "\n"

        sent += _deliver(f"digest:{day}:tech:{technician.id}", technician, None, compose)
    return sent

"""The technicians' notices: one about each incident they must hear of (opened, then closed) on each channel
they chose — email over SMTP (settings SMTP_*), SMS through the sms package's operational path
(`sms.operational`: the campaigns' gateway, none of the promotional rules: these are staff on duty) — and a
daily digest of their region's incidents. Sent by RQ jobs (fleet.jobs).

When: decided once per incident for all channels alike (fleet.service.decide_notices with fleet.rules.notice):
after the grace period, not again within the cooldown, a non-urgent cause not in quiet hours (the digest has
it). To whom: the active technicians of the incident's region and of the regions above it — by email when the
technician has an address (and SMTP_HOST is set), by SMS when they chose it (`Technician.notify_sms`). A
"closed" notice goes on a channel only to a technician that channel told of the opening. Each text names the
screen, its region, the cause and the time, and links to the incident page (PUBLIC_BASE_URL).

The digest goes by email. By SMS (the count and a link to the incident list) only to a technician who has no
email address and chose SMS: one short text a day, not the list.

Contract: every notice has a ledger row (fleet.models.Notification) whose unique `key` names the work and the
channel. The job that inserts the row (status "sending") is the only one that sends; a send that fails marks
it "failed", which a retry may claim again; "sent" is final. A retry of the job, or the same job queued twice,
never sends a notice twice (at most once per key: a worker killed between the send and the "sent" leaves
"sending", and nobody sends again). An SMS the gateway refused for good ("refused") or may have taken
("unknown") is final too, with the reason in `error`. A failure on one channel or to one technician does not
hold back the others: the job tries them all, then raises the first failure so that RQ retries it.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
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
from sms import operational
from sms.phones import try_normalize

#: Final ledger statuses of an SMS that did not go (sms.operational.OperationalSmsError without `retry`).
SMS_NOT_SENT = {"ambiguous": "unknown"}  # any other code: "refused"


def technicians_for(region_path: str) -> list[Technician]:
    """The active technicians of the region at `region_path` and of every region above it."""
    ids = [int(part) for part in region_path.strip("/").split("/") if part]
    return list(db.session.scalars(select(Technician).where(Technician.region_id.in_(ids),
                                                            Technician.active.is_(True)).order_by(Technician.id)))


def ledger_key(work: str, channel: str) -> str:
    """The ledger key of `work` ("incident:12:opened:tech:3") on `channel`: email keys are the work itself
    (as since 0021), the other channels' end in ":<channel>"."""
    return work if channel == "email" else f"{work}:{channel}"


def claim(key: str, recipient: str, incident_id: int | None, channel: str = "email") -> bool:
    """Take the right to send the notice `key`: True for the one caller that inserted it (or re-claimed a
    failed one)."""
    inserted = insert_ignoring_duplicates(Notification.__table__, [{
        "key": key, "channel": channel, "recipient": recipient[:254], "incident_id": incident_id,
        "status": "sending", "created_at": utcnow(), "error": "", "provider_id": ""}])
    if not inserted:
        inserted = db.session.execute(update(Notification).where(Notification.key == key,
                                                                 Notification.status == "failed")
                                      .values(status="sending").execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return inserted == 1


def _finish(key: str, error: str = "", *, status: str | None = None, provider_id: str = "") -> None:
    status = status or ("failed" if error else "sent")
    db.session.execute(update(Notification).where(Notification.key == key, Notification.status == "sending").values(
        status=status, sent_at=utcnow() if status == "sent" else None, error=error[:500], provider_id=provider_id[:64])
        .execution_options(synchronize_session=False))
    db.session.commit()


def _work(incident_id: int, event: str, technician: Technician) -> str:
    return f"incident:{incident_id}:{event}:tech:{technician.id}"


def _told(key: str) -> bool:
    return db.session.scalar(select(Notification.status).where(Notification.key == key)) == "sent"


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


def send_sms(to: str, text: str) -> str:
    """One SMS to a technician's phone (sms.operational); the provider's message id."""
    return operational.send(to, text)


def public_link(endpoint: str, **values) -> str:
    """The address of one of our pages as a technician's phone or mail client opens it (PUBLIC_BASE_URL, the
    address SMS links and QR codes carry), built from the route (no request here: a job)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _email_to(technician: Technician) -> bool:
    return bool(technician.email) and bool(current_app.config["SMTP_HOST"])


def _sms_to(technician: Technician) -> bool:
    return technician.notify_sms and bool(technician.phone)


def _phone(technician: Technician) -> str:
    """The number as the ledger records it: E.164 (`flask fleet technician` stores it as typed)."""
    return try_normalize(technician.phone) or technician.phone


class Deliveries:
    """Sends a call's notices one after the other; a failure is recorded in the ledger and does not stop the
    next ones. `raise_first()` at the end hands the first failure to RQ, which retries the job."""

    def __init__(self):
        self.sent = 0
        self.failures: list[Exception] = []

    def deliver(self, key: str, channel: str, recipient: str, technician: Technician, incident_id: int | None,
                compose: Callable[[], object]) -> None:
        """Claim `key`, then send what `compose()` makes in the technician's language: (subject, body) by email,
        a text by SMS."""
        if not claim(key, recipient, incident_id, channel):
            return
        try:
            with force_locale(technician.user.locale or "vi"):
                content = compose()
            if channel == "email":
                send_email(recipient, *content)
                provider_id = ""
            else:
                provider_id = send_sms(recipient, content)
        except operational.OperationalSmsError as exc:
            if exc.retry:
                _finish(key, str(exc))
                self.failures.append(exc)
            else:  # a retry would not help, or might send it twice
                current_app.logger.warning("SMS %s to %s not sent: %s", key, recipient, exc)
                _finish(key, str(exc), status=SMS_NOT_SENT.get(exc.code, "refused"))
            return
        except Exception as exc:  # noqa: BLE001 - recorded, and raised by raise_first for RQ to retry
            _finish(key, f"{type(exc).__name__}: {exc}")
            self.failures.append(exc)
            return
        _finish(key, provider_id=provider_id)
        self.sent += 1

    def raise_first(self) -> int:
        if self.failures:
            raise self.failures[0]
        return self.sent


def _local(at: datetime) -> str:
    return at.astimezone(local_tz()).strftime("%Y-%m-%d %H:%M")


def _incident_line(incident: Incident) -> str:
    where = f"{incident.screen.name} ({incident.region.name})"
    return f"{where}: {CAUSE_LABELS[incident.cause]} — {_local(incident.opened_at)}"


def _sentence(incident: Incident, event: str) -> str:
    """What happened, in one sentence (the email's body and the SMS's text)."""
    cause = CAUSE_LABELS[incident.cause]
    if event == "opened":
        return _("Screen %(screen)s in %(region)s: %(cause)s since %(at)s.", screen=incident.screen.name,
                 region=incident.region.name, cause=cause, at=_local(incident.opened_at))
    return _("Screen %(screen)s in %(region)s: %(cause)s is over (%(at)s).", screen=incident.screen.name,
             region=incident.region.name, cause=cause, at=_local(incident.closed_at or utcnow()))


def notify_incident(incident_id: int, event: str) -> int:
    """Tell every technician of the incident's region about `event` ("opened" / "closed") on each of their
    channels. Returns how many notices went out in this call; raises the first failure after trying all."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        return 0
    link = public_link("fleet.incident", incident_id=incident_id)

    def email() -> tuple[str, str]:
        if event == "opened":
            subject = _("Screen %(screen)s: %(cause)s", screen=incident.screen.name,
                        cause=CAUSE_LABELS[incident.cause])
        else:
            subject = _("Screen %(screen)s: back to normal", screen=incident.screen.name)
        return subject, f"{_sentence(incident, event)}\n{link}\n"

    def sms() -> str:
        return f"{_sentence(incident, event)} {link}"

    technicians = technicians_for(incident.region.path)
    if not current_app.config["SMTP_HOST"] and any(t.email for t in technicians):
        current_app.logger.warning("SMTP_HOST is empty: no email about incident %s", incident_id)
    out = Deliveries()
    for technician in technicians:
        for channel, wanted, recipient, compose in (("email", _email_to(technician), technician.email, email),
                                                    ("sms", _sms_to(technician), _phone(technician), sms)):
            if not wanted or (event == "closed" and not _told(ledger_key(_work(incident_id, "opened", technician),
                                                                          channel))):
                continue
            out.deliver(ledger_key(_work(incident_id, event, technician), channel), channel, recipient, technician,
                        incident_id, compose)
    return out.raise_first()


def send_digests(now: datetime) -> int:
    """The daily digest: to each technician, the incidents of their region's subtree opened in the last 24
    hours or still open. One per technician and local day (nothing to say: no digest); by email, or by SMS to
    a technician without an email address who chose SMS."""
    day = now.astimezone(local_tz()).date().isoformat()
    list_link = public_link("fleet.incidents")
    out = Deliveries()
    for technician in db.session.scalars(select(Technician).where(Technician.active.is_(True))
                                         .order_by(Technician.id)):
        channel = "email" if technician.email else ("sms" if _sms_to(technician) else None)
        if channel is None or (channel == "email" and not _email_to(technician)):
            continue
        incidents = list(db.session.scalars(
            select(Incident).join(Region, Region.id == Incident.region_id)
            .where(Region.path.startswith(technician.region.path),
                   or_(Incident.active.is_(True), Incident.opened_at >= now - timedelta(hours=24)))
            .order_by(Incident.opened_at)))
        if not incidents:
            continue

        def email(incidents=incidents) -> tuple[str, str]:
            subject = _("Screens: %(num)d incidents in the last 24 hours", num=len(incidents))
            lines = [("● " if i.active else "○ ") + _incident_line(i) for i in incidents]
            return subject, "\n".join([*lines, list_link]) + "\n"

        def sms(incidents=incidents) -> str:
            return _("Screens: %(num)d incidents in the last 24 hours", num=len(incidents)) + " " + list_link

        out.deliver(ledger_key(f"digest:{day}:tech:{technician.id}", channel),
                    channel, technician.email if channel == "email" else _phone(technician), technician, None,
                    email if channel == "email" else sms)
    return out.raise_first()

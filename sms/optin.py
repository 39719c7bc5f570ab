"""Double opt-in: a one-time code by SMS (stored as an HMAC, expiring, few attempts), then the contact and its
consent record (what was shown, when, from which screen or QR code)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from signage import signing
from signage.extensions import db
from signage.models import Region, Screen
from signage.timeutil import utcnow
from sms.gateways import OutgoingSms, get_gateway
from sms.models import ConsentRecord, Contact, ContactKind, OptInRequest, OptOut


class OptInError(ValueError):
    """code: too_many | expired | wrong_code | locked | send_failed"""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _message(token: str, code: str) -> str:
    return f"sms-optin:{token}:{code}"


def start(phone: str, language: str, source_ref: str, consent_text: str, code_text) -> OptInRequest:
    """Create the request and send the code; `code_text(code)` builds the SMS in the visitor's language."""
    cfg = current_app.config
    hour_ago = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(select(func.count()).select_from(OptInRequest).where(
        OptInRequest.phone == phone, OptInRequest.created_at >= hour_ago))
    if recent >= int(cfg["SMS_OTP_PER_PHONE_PER_HOUR"]):
        raise OptInError("too_many")
    # A ceiling on all codes per hour: the public page must not become a way to pump paid SMS.
    everyone = db.session.scalar(select(func.count()).select_from(OptInRequest).where(
        OptInRequest.created_at >= hour_ago))
    if everyone >= int(cfg["SMS_OTP_GLOBAL_PER_HOUR"]):
        current_app.logger.warning("Opt-in codes paused: %s sent in the last hour", everyone)
        raise OptInError("busy")
    token = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(10**6):06d}"
    req = OptInRequest(token=token, phone=phone, language=language, source_ref=source_ref[:200],
                       consent_text=consent_text, code_hash=signing.digest(_message(token, code)).hex(),
                       expires_at=utcnow() + timedelta(seconds=int(cfg["SMS_OTP_TTL_SECONDS"])))
    db.session.add(req)
    db.session.commit()
    try:
        get_gateway().send(OutgoingSms(to=phone, body=code_text(code)))
    except Exception as exc:  # noqa: BLE001 - any gateway failure: tell the visitor, keep nothing usable
        current_app.logger.warning("Opt-in code to %s not sent: %s", phone, exc)
        db.session.execute(delete(OptInRequest).where(OptInRequest.id == req.id))
        db.session.commit()
        raise OptInError("send_failed") from exc
    return req


def confirm(req: OptInRequest, code: str) -> Contact:
    """Check `code` against the request. The attempt is counted before the check, by one UPDATE in the database
    (`attempts = attempts + 1 ... RETURNING`), never by reading the row and writing it back: parallel guesses
    each get their own number, so 25 at once count 25 and all after the limit are refused, right or wrong.
    Confirming is a compare-and-set on `confirmed_at` as well: two right answers at once subscribe once."""
    limit = int(current_app.config["SMS_OTP_MAX_ATTEMPTS"])
    if req.confirmed_at is not None:
        return db.session.scalar(select(Contact).where(Contact.phone == req.phone))
    if utcnow() >= req.expires_at:
        raise OptInError("expired")
    attempts = db.session.execute(
        update(OptInRequest).where(OptInRequest.id == req.id).values(attempts=OptInRequest.attempts + 1)
        .returning(OptInRequest.attempts).execution_options(synchronize_session=False)).scalar_one()
    db.session.commit()
    if attempts > limit:
        raise OptInError("locked")
    if not signing.matches(_message(req.token, (code or "").strip()), req.code_hash, bytes.hex):
        raise OptInError("locked" if attempts >= limit else "wrong_code")
    now = utcnow()
    won = db.session.execute(update(OptInRequest).where(
        OptInRequest.id == req.id, OptInRequest.confirmed_at.is_(None)).values(confirmed_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not won:
        db.session.rollback()
        return db.session.scalar(select(Contact).where(Contact.phone == req.phone))
    contact = subscribe(req.phone, req.language, source="qr_optin", source_ref=req.source_ref,
                        text_shown=req.consent_text)
    db.session.commit()
    return contact


def region_for_source(source_ref: str) -> Region:
    """The screen's region when the QR code names a screen ("screen-12" or "12"), else the root region."""
    ident = source_ref.removeprefix("screen-")
    if ident.isdigit():
        screen = db.session.get(Screen, int(ident))
        if screen is not None:
            return screen.region
    return db.session.scalar(select(Region).where(Region.parent_id.is_(None)).order_by(Region.id))


def subscribe(phone: str, language: str, *, source: str, source_ref: str, text_shown: str) -> Contact:
    """Create or update the contact with a new consent record; a fresh consent lifts a promotional opt-out."""
    contact = db.session.scalar(select(Contact).where(Contact.phone == phone))
    now = utcnow()
    if contact is None:
        contact = Contact(phone=phone, language=language, kind=ContactKind.TOURIST.value,
                          region_id=region_for_source(source_ref).id, arrival_date=now.date())
        contact.tags = ["qr"]
        db.session.add(contact)
        db.session.flush()
    contact.language = language
    contact.consent_at = now
    db.session.add(ConsentRecord(contact_id=contact.id, source=source, source_ref=source_ref,
                                 text_shown=text_shown, language=language, at=now))
    db.session.execute(delete(OptOut).where(OptOut.contact_id == contact.id, OptOut.kind == "promotional"))
    return contact

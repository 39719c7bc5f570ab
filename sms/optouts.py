"""Opting out (per kind, by link, operator or reply keyword) and the facts the compliance rules need about
one number. Replies reach `handle_reply` from Twilio's inbound webhook and from the outbox phone's UI alike."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from signage.extensions import db
from sms.compliance import CampaignKind, Recipient
from sms.models import Contact, Message, MessageState, OptOut, OutboxMessage, OutboxStatus, SuppressionEntry
from sms.phones import try_normalize

ALL_KINDS = tuple(k.value for k in CampaignKind)
#: Replies that Twilio itself treats as a refusal of everything from the sender.
CARRIER_STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
COUNTED = [s.value for s in (MessageState.SENDING, MessageState.SENT, MessageState.DELIVERED,
                             MessageState.UNDELIVERED, MessageState.UNKNOWN)]


def opt_out(contact_id: int, kinds: tuple[str, ...] | list[str], source: str) -> list[str]:
    """Record refusals (idempotent); returns the kinds newly opted out. Commits."""
    have = set(db.session.scalars(select(OptOut.kind).where(OptOut.contact_id == contact_id)))
    added = [k for k in kinds if k not in have]
    for kind in added:
        db.session.add(OptOut(contact_id=contact_id, kind=kind, source=source))
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent opt-out of the same kind: already done
        db.session.rollback()
    if added:
        # Queued messages of those kinds must not go out any more.
        for msg in db.session.scalars(select(Message).where(
                Message.contact_id == contact_id, Message.state == MessageState.QUEUED.value)):
            if msg.campaign.kind in added:
                msg.state, msg.skip_reason = MessageState.SKIPPED.value, "opted_out"
        db.session.commit()
    return added


def opt_out_phone(phone: str, kinds, source: str) -> bool:
    contact_id = db.session.scalar(select(Contact.id).where(Contact.phone == phone))
    if contact_id is None:
        return False
    opt_out(contact_id, kinds, source)
    return True


def _marks(text: str) -> tuple[str, str]:
    """(base letters, diacritics) of a word: NFC first (a decomposed "Hủy" is the composed one), then the marks
    taken off — đ as d with its stroke kept as a mark —, punctuation and symbols dropped, upper case. The marks
    are sorted: where the tone mark sits ("Hủy", "Huỷ") does not make another word."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text or ""))
    marks = sorted(c for c in decomposed if unicodedata.combining(c)) + ["đ"] * sum(c in "đĐ" for c in decomposed)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in bare if c.isalnum()).upper(), "".join(sorted(marks))


def fold_keyword(text: str) -> str:
    """A word's base letters, as refusal keywords are named: diacritics dropped, đ as d, punctuation dropped
    ("TC." is "TC"), upper case — "Hủy", "Huỷ" and "Huy" are all "HUY"."""
    return _marks(text)[0]


def matched_keyword(body: str, keywords: list[str]) -> str | None:
    """The refusal keyword the reply's first word is (folded), or None. A word typed without diacritics
    matches a keyword by its letters ("huy" is HỦY, "dung" is DỪNG: many phones type no marks); a word typed
    with diacritics must carry the marks of a keyword spelt with them ("Huỷ" is HỦY, but the name "Dũng" is
    not DỪNG and "Hùng" is not HUY)."""
    words = unicodedata.normalize("NFC", body or "").split()
    if not words:
        return None
    base, marks = _marks(words[0])
    forms = {_marks(k) for k in keywords if fold_keyword(k)}
    if (base, marks) in forms or (not marks and base in {b for b, _ in forms}):
        return base
    return None


def handle_reply(sender: str, body: str, *, source: str) -> str | None:
    """Opt the sender out when the reply is a refusal keyword. Returns the (folded) keyword matched.
    With the outbox gateway the confirmation (`refusal_confirmation`) lands in the outbox phone here; with
    Twilio the inbound webhook answers it in its TwiML reply."""
    word = matched_keyword(body, [*str(current_app.config["SMS_OPTOUT_KEYWORDS"]).split(","), *CARRIER_STOP_WORDS])
    if word is None:
        return None
    phone = try_normalize(sender)
    if phone is None:
        return None
    kinds = ALL_KINDS if word in CARRIER_STOP_WORDS else (CampaignKind.PROMOTIONAL.value,)
    opt_out_phone(phone, kinds, source)
    text = refusal_confirmation(phone, word)
    if text and current_app.config["SMS_GATEWAY"] == "outbox":
        db.session.add(OutboxMessage(phone=phone, sender=confirmation_sender(), body=text,
                                     sid="OB" + secrets.token_hex(16), status=OutboxStatus.SENT.value))
        db.session.commit()
    return word


def confirmation_sender() -> str:
    cfg = current_app.config
    return cfg["SMS_BRANDNAME"] or cfg["TWILIO_FROM"] or "OUTBOX"


def refusal_confirmation(phone: str, word: str) -> str | None:
    """The SMS confirming a refusal by keyword, in the contact's language ("Bạn đã từ chối nhận tin quảng cáo
    từ …"); None when confirmations are off or for Twilio's own STOP words (Twilio answers those itself)."""
    if not current_app.config["SMS_OPTOUT_CONFIRM"] or word in CARRIER_STOP_WORDS:
        return None
    language = db.session.scalar(select(Contact.language).where(Contact.phone == phone)) or "vi"
    with force_locale(language):
        return _("You have refused promotional messages from %(sender)s.", sender=confirmation_sender())


#: Carrier answers meaning the number cannot receive SMS: unknown handset, landline or unreachable carrier.
UNREACHABLE_CODES = ("30005", "30006")


def unreachable(contact_id: int) -> bool:
    """The carrier answered 30005/30006 for this number SMS_UNREACHABLE_AFTER times or more."""
    count = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.contact_id == contact_id, Message.error_code.in_(UNREACHABLE_CODES)))
    return count >= int(current_app.config["SMS_UNREACHABLE_AFTER"])


def recipient_facts(contact: Contact, now: datetime, *, promotional: bool = True) -> Recipient:
    kinds = frozenset(db.session.scalars(select(OptOut.kind).where(OptOut.contact_id == contact.id)))
    dead = unreachable(contact.id)
    if not promotional:  # only the explicit opt-out (and a dead number) matter for public-service and emergency SMS
        return Recipient(has_consent=contact.consent_at is not None, suppressed=False, opted_out_kinds=kinds,
                         unreachable=dead)
    suppressed = db.session.scalar(select(exists().where(SuppressionEntry.phone == contact.phone)))
    recent = tuple(db.session.scalars(select(Message.claimed_at).where(
        Message.contact_id == contact.id, Message.promotional.is_(True), Message.state.in_(COUNTED),
        Message.claimed_at >= now - timedelta(hours=24))))
    return Recipient(has_consent=contact.consent_at is not None, suppressed=bool(suppressed),
                     opted_out_kinds=kinds, recent_promotional=recent, unreachable=dead)

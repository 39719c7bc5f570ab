"""Delivery status updates, shared by Twilio's signed callbacks and the outbox's receipts."""

from __future__ import annotations

from sqlalchemy import select

from signage.extensions import db
from sms.dispatch import advance
from sms.gateways.twilio_gateway import STATUS_MAP
from sms.models import Message, MessageState
from sms.optouts import ALL_KINDS, opt_out


def record_status(message_id: int | None, provider_status: str, *, sid: str = "", error_code: str = "") -> bool:
    """Apply a provider status to our message (forward only). Returns whether anything changed."""
    msg = db.session.get(Message, message_id) if message_id else None
    if msg is None and sid:
        msg = db.session.scalar(select(Message).where(Message.provider_sid == sid))
    if msg is None:
        return False
    if sid and msg.provider_sid and msg.provider_sid != sid:
        return False  # a callback about another message than the one we sent for this row
    target = MessageState(STATUS_MAP.get(provider_status.lower(), "sent"))
    fields: dict = {}
    if sid and not msg.provider_sid:
        fields["provider_sid"] = sid
    if error_code:
        fields["error_code"] = error_code
    if target is MessageState.SENT:
        fields["needs_review"] = False
    changed = advance(msg.id, target, **fields)
    if error_code == "21610":
        opt_out(msg.contact_id, ALL_KINDS, "carrier_21610")
    return changed

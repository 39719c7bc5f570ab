"""The outbox gateway: stores messages instead of sending them, shows them as a phone would, and
produces delivery receipts through the same status path as Twilio's callbacks."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from signage.extensions import db
from sms.gateways.base import OutgoingSms, SendResult
from sms.models import OutboxMessage


class OutboxGateway:
    name = "outbox"

    def __init__(self, sender: str = "OUTBOX"):
        self.sender = sender

    def send(self, sms: OutgoingSms) -> SendResult:
        existing = self._find(sms.message_id)
        if existing is not None:  # idempotent on our message id
            return SendResult(existing.sid, existing.status)
        row = OutboxMessage(phone=sms.to, sender=self.sender, body=sms.body, message_id=sms.message_id,
                            sid="OB" + secrets.token_hex(16), status="sent")
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            row = self._find(sms.message_id)
            return SendResult(row.sid, row.status)
        if sms.message_id is not None:
            from sms.jobs import enqueue_outbox_receipt

            enqueue_outbox_receipt(row.sid)
        return SendResult(row.sid, "sent")

    def lookup(self, sms: OutgoingSms, since: datetime) -> SendResult | None:
        row = self._find(sms.message_id)
        return SendResult(row.sid, row.status) if row is not None else None

    @staticmethod
    def _find(message_id: int | None) -> OutboxMessage | None:
        if message_id is None:
            return None
        return db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message_id))

"""The outbox gateway: stores messages instead of sending them, shows them as a phone would, and produces
delivery receipts through the same status path as Twilio's callbacks (sms.status.record_status).

Its receipt job lives here with it: `send` enqueues `deliver_receipt` on RECEIPT_QUEUE, the job marks the
outbox row delivered and applies the receipt. Both are idempotent (the row is found by our message id or the
outbox sid; record_status moves forward only). Nothing here touches the Twilio SDK.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from signage.extensions import db
from signage.redis_client import get_queue
from sms.gateways.base import OutgoingSms, SendResult
from sms.models import MessageState, OutboxMessage, OutboxStatus
from sms.status import record_status

#: The outbox's statuses as our states (an incoming reply is no state of an outgoing message).
STATUS_MAP = {OutboxStatus.SENT: MessageState.SENT, OutboxStatus.DELIVERED: MessageState.DELIVERED}

#: Receipts are not urgent: they wait behind the sending work.
RECEIPT_QUEUE = "low"


def message_state(status: str) -> MessageState:
    return STATUS_MAP[OutboxStatus(status)]


class OutboxGateway:
    name = "outbox"

    def __init__(self, sender: str = "OUTBOX"):
        self.sender = sender

    def send(self, sms: OutgoingSms) -> SendResult:
        existing = self._find(sms.message_id)
        if existing is not None:  # idempotent on our message id
            return SendResult(existing.sid, message_state(existing.status))
        row = OutboxMessage(phone=sms.to, sender=sms.sender or self.sender, body=sms.body, message_id=sms.message_id,
                            sid="OB" + secrets.token_hex(16), status=OutboxStatus.SENT.value)
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:  # a concurrent send of the same message stored it first
            db.session.rollback()
            row = self._find(sms.message_id)
            return SendResult(row.sid, message_state(row.status))
        if sms.message_id is not None:  # one-time codes have no message row to receive a receipt
            enqueue_receipt(row.sid)
        return SendResult(row.sid, MessageState.SENT)

    def lookup(self, sms: OutgoingSms, since: datetime) -> SendResult | None:
        row = self._find(sms.message_id)
        return SendResult(row.sid, message_state(row.status)) if row is not None else None

    def fetch(self, sid: str, message_id: int | None) -> SendResult | None:
        """Answered from the outbox's own records."""
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.sid == sid))
        return SendResult(row.sid, message_state(row.status)) if row is not None else None

    @staticmethod
    def _find(message_id: int | None) -> OutboxMessage | None:
        if message_id is None:
            return None
        return db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message_id))


# ------------------------------------------------------------------ the receipt job


def enqueue_receipt(sid: str) -> None:
    get_queue(RECEIPT_QUEUE).enqueue(deliver_receipt, sid, job_id=f"sms-outbox-receipt-{sid}")


def deliver_receipt(sid: str) -> bool:
    """RQ job: the outbox's phone 'receives' the message; the receipt goes through the normal status path.
    Returns whether our message moved."""
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.sid == sid))
    if row is None or row.message_id is None:
        return False
    row.status = OutboxStatus.DELIVERED.value
    db.session.commit()
    return record_status(row.message_id, message_state(row.status), sid=sid)

"""What every gateway provides, and the errors the dispatcher tells apart. A gateway speaks in our
`MessageState`s: each maps its provider's statuses itself (`message_state` in its module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sms.models import MessageState

#: Twilio error codes that will not succeed on retry (recorded, never retried).
PERMANENT_CODES = {
    "21211": "invalid number",
    "21610": "recipient opted out (STOP)",
    "21614": "not a mobile number",
    "21408": "no permission to send to this region",
    "21612": "cannot route to this number",
    "21617": "message too long",
}


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    body: str
    message_id: int | None = None  # ours; None for one-time codes
    status_callback: str | None = None
    #: Seconds the provider may keep trying (Twilio's ValidityPeriod): a promotional message stuck in a queue
    #: must not go out after 22:00. None: the provider's default.
    validity_period: int | None = None
    #: Send from this sender instead of the gateway's own (promotional messages: the registered brandname).
    sender: str | None = None


@dataclass(frozen=True)
class SendResult:
    sid: str
    state: MessageState = MessageState.SENT  # `sent`, or further when the provider already knows more
    error_code: str = ""  # the provider's error code for a failed or undelivered message
    price: float | None = None  # what the provider charged (positive), when it says


class GatewayError(Exception):
    """The gateway answered with an error. `permanent` errors are recorded, the others retried."""

    def __init__(self, message: str, *, code: str = "", status: int = 0, permanent: bool = False,
                 retry_after: float | None = None):
        super().__init__(message)
        self.code, self.status, self.permanent, self.retry_after = code, status, permanent, retry_after


class AmbiguousSend(Exception):
    """The request may or may not have reached the gateway (e.g. a read timeout): never re-send blindly."""


class LookupUnavailable(Exception):
    """The gateway cannot tell whether a message was sent."""


class Gateway(Protocol):
    name: str
    sender: str

    def send(self, sms: OutgoingSms) -> SendResult: ...

    def lookup(self, sms: OutgoingSms, since: datetime) -> SendResult | None:
        """The message if the gateway has it (sent since `since`), None if it certainly has not,
        LookupUnavailable when it cannot say."""
        ...

    def fetch(self, sid: str, message_id: int | None) -> SendResult | None:
        """What the gateway knows now about a message it took (reconciliation): None when it has no such
        message, LookupUnavailable when it cannot be asked."""
        ...

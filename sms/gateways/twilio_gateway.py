"""Twilio through the official `twilio` client. `TWILIO_API_BASE` points the client at another host (the
local stand-in in tests and benches) through a custom HTTP client, the client's supported extension point;
the same HTTP client keeps each thread's last response, whose `Retry-After` the client's exceptions drop."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from signage.timeutil import utcnow
from sms.gateways.base import (
    PERMANENT_CODES,
    AmbiguousSend,
    GatewayError,
    LookupUnavailable,
    OutgoingSms,
    SendResult,
)
from sms.models import MessageState

#: Twilio's message statuses (API answers and status callbacks) as our states. Everything Twilio still holds
#: counts as `sent`: from our side the send is done, only the receipt is pending.
STATUS_MAP = {
    "accepted": MessageState.SENT, "scheduled": MessageState.SENT, "queued": MessageState.SENT,
    "sending": MessageState.SENT, "sent": MessageState.SENT,
    "delivered": MessageState.DELIVERED, "read": MessageState.DELIVERED,
    "undelivered": MessageState.UNDELIVERED, "failed": MessageState.FAILED, "canceled": MessageState.FAILED,
}


def message_state(status: str | None) -> MessageState:
    """A Twilio status as our state; a status Twilio adds later counts as `sent` (it has the message)."""
    return STATUS_MAP.get((status or "").lower(), MessageState.SENT)


#: Twilio's longest ValidityPeriod (seconds): 36,000 (10 hours).
MAX_VALIDITY_PERIOD = 36000

#: The longest Retry-After honoured (seconds): a server asking for more is retried after this.
MAX_RETRY_AFTER = 300.0


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), within [0, MAX_RETRY_AFTER];
    None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # "-0000": UTC by RFC 5322
            when = when.replace(tzinfo=now.tzinfo)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class HeaderKeepingHttpClient(TwilioHttpClient):
    """Remembers the last response of each thread (the Twilio client raises errors without the headers)."""

    def __init__(self, timeout: float = 10):
        super().__init__(pool_connections=True, timeout=timeout)
        self._local = threading.local()

    def request(self, *args, **kwargs):
        self._local.response = None
        self._local.response = super().request(*args, **kwargs)
        return self._local.response

    @property
    def last_response(self):
        return getattr(self._local, "response", None)


class RebasedHttpClient(HeaderKeepingHttpClient):
    """Sends every request of the Twilio client to `api_base` instead of https://*.twilio.com."""

    def __init__(self, api_base: str, timeout: float = 10):
        super().__init__(timeout=timeout)
        self.api_base = api_base.rstrip("/")

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        parts = urlsplit(url)
        rebased = self.api_base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, rebased, params=params, data=data, headers=headers, auth=auth,
                               timeout=timeout, allow_redirects=allow_redirects)


class TwilioGateway:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, *, messaging_service_sid: str = "", sender: str = "",
                 api_base: str = "", timeout: float = 10):
        if not (messaging_service_sid or sender):
            raise ValueError("Twilio needs TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM (number or sender ID).")
        self.http = RebasedHttpClient(api_base, timeout) if api_base else HeaderKeepingHttpClient(timeout)
        self.client = Client(account_sid, auth_token, http_client=self.http)
        self.messaging_service_sid = messaging_service_sid
        self.sender = messaging_service_sid or sender

    @classmethod
    def from_config(cls, config) -> TwilioGateway:
        return cls(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                   messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID", ""),
                   sender=config.get("TWILIO_FROM", ""), api_base=config.get("TWILIO_API_BASE", ""),
                   timeout=float(config.get("SMS_HTTP_TIMEOUT", 10)))

    def _origin(self, sender: str | None = None) -> dict:
        if sender:  # a promotional message goes from the registered brandname, never from the pool
            return {"from_": sender}
        if self.messaging_service_sid:
            return {"messaging_service_sid": self.messaging_service_sid}
        return {"from_": self.sender}

    def send(self, sms: OutgoingSms) -> SendResult:
        kwargs = dict(self._origin(sms.sender), to=sms.to, body=sms.body)
        if sms.status_callback:
            kwargs["status_callback"] = sms.status_callback
        if sms.validity_period:
            kwargs["validity_period"] = min(max(int(sms.validity_period), 1), MAX_VALIDITY_PERIOD)
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            code = str(exc.code or "")
            transient = exc.status == 429 or exc.status >= 500
            reason = PERMANENT_CODES.get(code, "")
            message = f"{exc.msg or exc}" + (f" ({reason})" if reason else "")
            response = self.http.last_response
            retry_after = parse_retry_after(response.headers.get("Retry-After"), utcnow()) \
                if transient and response is not None and response.headers else None
            raise GatewayError(message, code=code, status=exc.status, permanent=not transient,
                               retry_after=retry_after) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            if _never_connected(exc):
                raise GatewayError(f"cannot reach Twilio: {exc}", status=0) from exc
            raise AmbiguousSend(str(exc)) from exc
        return SendResult(message.sid, message_state(message.status))

    def lookup(self, sms: OutgoingSms, since: datetime) -> SendResult | None:
        """Twilio has no idempotency key on Messages: match our recipient and exact body since the claim."""
        try:
            found = self.client.messages.list(to=sms.to, date_sent_after=since - timedelta(minutes=5), limit=200)
        except Exception as exc:  # noqa: BLE001 - any failure means "cannot tell"
            raise LookupUnavailable(str(exc)) from exc
        for message in found:
            if message.body == sms.body:
                return SendResult(message.sid, message_state(message.status))
        return None


    def fetch(self, sid: str, message_id: int | None) -> SendResult | None:
        """Twilio's message fetch: its status now, with the error code and price it reports."""
        try:
            message = self.client.messages(sid).fetch()
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise LookupUnavailable(str(exc)) from exc
        except requests.exceptions.RequestException as exc:
            raise LookupUnavailable(str(exc)) from exc
        price = abs(float(message.price)) if message.price not in (None, "") else None
        return SendResult(message.sid, message_state(message.status), error_code=str(message.error_code or ""),
                          price=price)


def _never_connected(exc: Exception) -> bool:
    """Connect errors/timeouts mean the request never left: safe to retry. Anything later is ambiguous."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text

"""Operational SMS: one text to one member of staff on duty (a technician told of a screen's incident),
through the gateway the campaigns use (`sms.gateways.get_gateway`: Twilio or the local outbox, as configured).

`send(phone, text)` is the one way in. It returns the provider's id of the message or raises
`OperationalSmsError`, whose `code` says why and whose `retry` says whether a later attempt may send.

What applies, as for emergency and public-service SMS (sms.dispatch `_outgoing`, `send_batch`):
- the number is normalised by `sms.phones.normalize_phone` (mobile numbers only, stored E.164);
- the text goes from the gateway's own sender (the messaging service or TWILIO_FROM), never from the
  promotional brandname, with no ValidityPeriod (it is not bound to the promotional 22:00 limit);
- it takes the sender's token bucket as an urgent taker (`sms.throttle`): ahead of promotional traffic, within
  the rate the provider allows;
- the text is made GSM-7-safe (`gsm_safe`), and sent without accents when that needs fewer segments
  (`unaccented_offer`): a Vietnamese text with its accents fits 70 characters a segment, without 160.

What does not apply: none of the rules that protect the public — no quiet-hour window, no daily cap, no
opt-out link or keyword, no opt-out, suppression (do-not-contact) or consent check. The recipient is staff
who asked for these texts on their own record; a number that refused promotional SMS still gets them.

Storage: none in this package. `sms_message` rows belong to a campaign and a contact (their uniqueness, the
compliance counters and the reports' costs are built on both), and making staff contacts would put them
under the promotional rules. The caller keeps the ledger that makes its texts at most once and records what
`send` returns or raises (fleet: `fleet.models.Notification`, one row per technician, event and channel). The
outbox gateway keeps each text in its phone (`sms_outbox`, without a message id, like an opt-in code), so it
shows in the outbox; Twilio's log has it under the returned id.

One HTTP attempt per call, never retried here: the caller's ledger decides whether to try again, and
`retry` is True only when the gateway certainly did not take the message (a refusal for now, no connection,
no tokens in time). A send that may or may not have reached the gateway is `ambiguous`, never re-sent.
"""

from __future__ import annotations

import logging
import time

from sms.dispatch import bucket
from sms.encoding import analyse, gsm_safe, unaccented_offer
from sms.gateways import AmbiguousSend, GatewayError, OutgoingSms, get_gateway
from sms.phones import InvalidPhone, normalize_phone

log = logging.getLogger(__name__)

#: Longest wait (seconds) for the sender's tokens before giving up for now (the caller may retry).
TOKEN_WAIT_S = 30.0

#: Why a text was not sent (OperationalSmsError.code) and whether a later attempt may send it.
RETRY = {
    "invalid_phone": False,  # not a usable mobile number
    "refused": False,  # the gateway refused it for good (invalid or unroutable number, opted out at the carrier)
    "ambiguous": False,  # it may have reached the gateway: never re-sent blindly
    "unavailable": True,  # the gateway refused for now (429, 5xx) or could not be reached
    "throttled": True,  # no tokens within TOKEN_WAIT_S
}


class OperationalSmsError(Exception):
    """A text that was not (or not surely) sent. `code`: a key of RETRY; the message says the details."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.retry = RETRY[code]


def fit(text: str) -> str:
    """The text as sent: GSM-7-safe, and unaccented when that needs fewer segments."""
    safe = gsm_safe(text.strip())
    offer = unaccented_offer(safe)
    return offer[0] if offer is not None else safe


def send(phone: str, text: str) -> str:
    """Send `text` to `phone` now through the configured gateway; the provider's id of the message."""
    try:
        to = normalize_phone(phone)
    except InvalidPhone as exc:
        raise OperationalSmsError("invalid_phone", str(exc)) from exc
    body = fit(text)
    gateway = get_gateway()
    tokens = bucket(gateway.sender)
    if tokens is not None and not tokens.take(analyse(body).segments, urgent=True,
                                              deadline=time.monotonic() + TOKEN_WAIT_S):
        raise OperationalSmsError("throttled", f"no sending capacity for {gateway.sender} within {TOKEN_WAIT_S:.0f}s")
    try:
        result = gateway.send(OutgoingSms(to=to, body=body))
    except GatewayError as exc:
        code = "refused" if exc.permanent else "unavailable"
        raise OperationalSmsError(code, f"{exc} ({exc.code or exc.status})") from exc
    except AmbiguousSend as exc:
        raise OperationalSmsError("ambiguous", str(exc)) from exc
    log.info("operational SMS to %s sent: %s", to, result.sid)
    return result.sid

"""Delivery status updates, shared by Twilio's signed callbacks and the outbox's receipts.

Each gateway maps its own provider statuses to a `MessageState` (sms.gateways.twilio_gateway.message_state,
sms.gateways.outbox.message_state); this module only applies the result, forward only (sms.models.advance).
It knows no provider, so applying an outbox receipt never loads the Twilio SDK.

The one move backwards is a person's: `decide_unknown` (a message flagged "unknown — not retried" marked sent,
or queued again), compare-and-set on the flag, so a receipt arriving meanwhile wins and nothing is sent twice.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from signage.extensions import db
from signage.timeutil import utcnow
from sms.models import Message, MessageState, advance
from sms.optouts import ALL_KINDS, opt_out

#: Twilio's error code for "the recipient replied STOP": every kind of message is refused from then on.
CARRIER_OPT_OUT = "21610"
#: What Vietnam's carriers answer most, per campaign (`carrier_errors`). 30005/30006 repeated stop the sending
#: to that number (sms.optouts.unreachable); 30007 means the template or the sender is being blocked.
CARRIER_CODES = {"30003": "unreachable handset", "30005": "unknown handset", "30006": "landline or unreachable",
                 "30007": "carrier filtering"}
CARRIER_FILTERING = "30007"


def carrier_errors(campaign_id: int) -> dict[str, int]:
    """The campaign's messages per carrier error code of CARRIER_CODES (every code, 0 when none). A campaign
    page shows 30007 prominently: the carrier is blocking the text or the sender."""
    counts = dict(db.session.execute(select(Message.error_code, func.count()).where(
        Message.campaign_id == campaign_id, Message.error_code.in_(list(CARRIER_CODES)))
        .group_by(Message.error_code)).all())
    return {code: counts.get(code, 0) for code in CARRIER_CODES}


#: Why a queued message waits for the gateway (sms.dispatch.park): an operator sees these as "waiting", not
#: failed, with the gateway's last answer in `error_message`.
WAITING_REASONS = ("retry_after", "gateway_retry")


def waiting_for_gateway(campaign_id: int) -> int:
    """The campaign's messages parked after a 429/5xx, still to be retried."""
    return db.session.scalar(select(func.count()).select_from(Message).where(
        Message.campaign_id == campaign_id, Message.state == MessageState.QUEUED.value,
        Message.skip_reason.in_(WAITING_REASONS))) or 0


def record_status(message_id: int | None, state: MessageState | str, *, sid: str = "", error_code: str = "",
                  price: float | None = None) -> bool:
    """Move our message (found by id, else by the provider's sid) to `state` if that is forward.
    Returns whether anything changed."""
    target = MessageState(state)
    msg = db.session.get(Message, message_id) if message_id else None
    if msg is None and sid:
        msg = db.session.scalar(select(Message).where(Message.provider_sid == sid))
    if msg is None:
        return False
    if sid and msg.provider_sid and msg.provider_sid != sid:
        return False  # a callback about another message than the one we sent for this row
    fields: dict = {}
    if sid and not msg.provider_sid:
        fields["provider_sid"] = sid
    if error_code:
        fields["error_code"] = error_code
    if target is MessageState.SENT:
        fields["needs_review"] = False  # an `unknown` row the gateway turned out to have sent
    if price is not None:  # what the gateway charged: stored whenever it says, whatever the state does
        db.session.execute(update(Message).where(Message.id == msg.id).values(price=price)
                           .execution_options(synchronize_session=False))
    changed = advance(msg.id, target, **fields)
    if error_code == CARRIER_OPT_OUT:
        opt_out(msg.contact_id, ALL_KINDS, "carrier_21610")
    return changed


def decide_unknown(message_id: int, action: str, note: str) -> bool:
    """A person's decision about a message flagged "unknown — not retried": "sent" (the recipient did get it) or
    "resend" (queued again: a deliberate override of the forward-only rule, the caller audits it). Applied only
    while the message is still unknown (compare-and-set): False when a receipt or another decision got there
    first."""
    S = MessageState
    values = ({"state": S.SENT.value, "sent_at": Message.claimed_at} if action == "sent"
              else {"state": S.QUEUED.value, "not_before": utcnow()})
    done = db.session.execute(
        update(Message).where(Message.id == message_id, Message.state == S.UNKNOWN.value)
        .values(needs_review=False, error_message=Message.error_message + f" [{note}]", **values)
        .execution_options(synchronize_session=False))
    return done.rowcount == 1

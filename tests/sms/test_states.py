"""The message state machine (sms.models): forward only, by compare-and-set; each gateway maps its own
provider statuses onto it."""

from __future__ import annotations

from sms.gateways import outbox
from sms.models import FINAL, RANK, Message, MessageState, advance, lower_states

S = MessageState


def test_every_state_has_a_rank_and_the_final_ones_rank_highest():
    assert set(RANK) == set(MessageState)
    assert FINAL == {S.DELIVERED, S.UNDELIVERED, S.FAILED, S.SKIPPED}
    assert set(lower_states(S.SENT)) == {"queued", "sending", "unknown"}  # found later, `unknown` moves on
    assert lower_states(S.QUEUED) == []


def test_advance_moves_forward_once_and_never_back(sms_sync, make_contact, make_campaign):
    from signage.extensions import db

    contact, campaign = make_contact("+84912000001"), make_campaign({"vi": "Tin"})
    msg = Message(campaign_id=campaign.id, contact_id=contact.id, phone=contact.phone, body="Tin", state="sending")
    db.session.add(msg)
    db.session.commit()
    assert advance(msg.id, S.DELIVERED)  # a receipt before our own "sent"
    assert not advance(msg.id, S.SENT, provider_sid="SM1")  # late: changes nothing
    assert not advance(msg.id, S.DELIVERED)  # duplicate
    db.session.expire_all()
    row = db.session.get(Message, msg.id)
    assert (row.state, row.provider_sid) == ("delivered", "") and row.final_at is not None


def test_twilio_statuses_map_to_our_states():
    from sms.gateways.twilio_gateway import message_state

    assert [message_state(s) for s in ("queued", "SENT", "delivered", "read", "undelivered", "canceled")] == [
        S.SENT, S.SENT, S.DELIVERED, S.DELIVERED, S.UNDELIVERED, S.FAILED]
    assert message_state("partially_delivered") is S.SENT  # a status Twilio adds later: it has the message
    assert message_state(None) is S.SENT


def test_outbox_statuses_map_to_our_states():
    assert outbox.message_state("sent") is S.SENT and outbox.message_state("delivered") is S.DELIVERED

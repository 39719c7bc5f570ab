"""Dispatch: materialise one message row per recipient, claim rows one at a time (compare-and-set), send
through the gateway under the sender's token bucket, and move states forward only (`advance`, with the
state diagram and the order, is in sms.models next to `MessageState`) — except a send the gateway refused
with a Retry-After longer than a worker sleeps, which goes back to `queued`, due then (`requeue_after`).

Crash safety: a row is committed as `sending` before the HTTP request. A row found in `sending` after its
lease has expired belongs to a worker that died: it is never re-sent blindly — the gateway is asked whether
it has the message (the outbox by our id, Twilio by recipient + body), and when it cannot say the row
becomes `unknown` with `needs_review` for a human to decide.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from signage.extensions import db
from signage.redis_client import get_redis
from signage.timeutil import local_tz, utcnow
from sms import audience
from sms.compliance import Action, CampaignKind, decide
from sms.encoding import analyse
from sms.gateways import AmbiguousSend, GatewayError, LookupUnavailable, OutgoingSms, get_gateway
from sms.models import Campaign, CampaignStatus, Message, MessageState, advance
from sms.optouts import ALL_KINDS, opt_out, recipient_facts
from sms.render import optout_link, pick_language, render_body
from sms.schedule import Schedule
from sms.status import CARRIER_OPT_OUT
from sms.throttle import Rate, TokenBucket

log = logging.getLogger(__name__)

S = MessageState


# ------------------------------------------------------------------ materialising rows


def materialise(campaign: Campaign, *, now: datetime, occurrence: str = "once", due: datetime | None = None) -> int:
    """Insert the missing message rows of `campaign` (unique per campaign, contact, occurrence). Idempotent.
    Each row is due at `due` (a recurring occurrence) or when the campaign's schedule says."""
    tz = local_tz()
    schedule = Schedule.parse(campaign.schedule)
    started = campaign.started_at or now
    messages = {k: v for k, v in (campaign.messages or {}).items() if v and v.strip()}
    promotional = campaign.kind == CampaignKind.PROMOTIONAL
    existing = set(db.session.scalars(select(Message.contact_id).where(
        Message.campaign_id == campaign.id, Message.occurrence == occurrence)))
    created = 0
    for chunk in audience.recipients(campaign, now=now):
        rows = []
        for contact_id, phone, language, name, arrival in chunk:
            if contact_id in existing:
                continue
            when = due or schedule.due(started, arrival, tz)
            if when is None:
                continue
            if campaign.valid_from is not None and when < campaign.valid_from:
                when = campaign.valid_from
            lang = pick_language(messages, language)
            body = render_body(campaign.kind, messages[lang], lang, name=name or "", event=campaign.event or "",
                               optout=optout_link(contact_id), unaccented=campaign.use_unaccented)
            rows.append(dict(campaign_id=campaign.id, contact_id=contact_id, occurrence=occurrence,
                             promotional=promotional, phone=phone, language=lang, body=body,
                             segments=analyse(body).segments, state=S.QUEUED.value, not_before=when,
                             attempts=0, provider_sid="", error_code="", error_message="", skip_reason="",
                             needs_review=False))
        if rows:
            db.session.execute(Message.__table__.insert(), rows)
            db.session.commit()
            created += len(rows)
    return created


# ------------------------------------------------------------------ sending


def status_callback_url(message_id: int) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/sms/webhooks/twilio/status?mid={message_id}"


def bucket(sender: str) -> TokenBucket | None:
    cfg = current_app.config
    if not int(cfg["SMS_THROTTLE"]):
        return None
    rate = Rate(float(cfg["SMS_RATE_MPS"]), float(cfg["SMS_RATE_SPS"]), float(cfg["SMS_RATE_BURST"]))
    return TokenBucket(get_redis(), sender, rate)


def _outgoing(msg: Message) -> OutgoingSms:
    return OutgoingSms(to=msg.phone, body=msg.body, message_id=msg.id, status_callback=status_callback_url(msg.id))


def claim(msg: Message, now: datetime) -> bool:
    """queued → sending (compare-and-set, committed): exactly one worker wins a row."""
    result = db.session.execute(
        update(Message).where(Message.id == msg.id, Message.state == S.QUEUED.value)
        .values(state=S.SENDING.value, claimed_at=now, attempts=Message.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


#: A promotional message to a number that an alert's SMS has not reached yet waits this long, then looks again.
ALERT_FIRST_WAIT = timedelta(seconds=5)


def alert_sms_pending(contact_id: int) -> bool:
    """An urgent SMS (an alert's, an emergency's: `Campaign.urgent`) to this contact is not sent yet."""
    return db.session.scalar(select(Message.id).join(Campaign, Campaign.id == Message.campaign_id).where(
        Message.contact_id == contact_id, Message.state.in_([S.QUEUED.value, S.SENDING.value]),
        or_(Campaign.alert_id.is_not(None), Campaign.kind == CampaignKind.EMERGENCY.value),
        Campaign.status == CampaignStatus.RUNNING.value).limit(1)) is not None


def check_and_claim(msg: Message, now: datetime) -> tuple[str, datetime | None]:
    """Apply the rules and claim the row. Returns ("claimed"|"deferred"|"skipped"|"lost", defer_until).

    For promotional messages the count of the last 24 h and the claim happen under a per-number Redis lock,
    so two workers (two campaigns) cannot both send the third message of the day; the count itself comes
    from the database (Redis is never the truth)."""
    campaign, contact = msg.campaign, msg.contact
    cap = int(current_app.config["SMS_DAILY_CAP"])
    lock = get_redis().lock(f"sms:lock:number:{msg.phone}", timeout=30, blocking_timeout=30) \
        if msg.promotional else None
    if lock is not None and not lock.acquire():
        return "deferred", now + timedelta(seconds=5)
    try:
        if msg.promotional and alert_sms_pending(contact.id):  # an alert to this number goes first
            until = now + ALERT_FIRST_WAIT
            db.session.execute(update(Message).where(Message.id == msg.id, Message.state == S.QUEUED.value)
                               .values(not_before=until, skip_reason="alert_first")
                               .execution_options(synchronize_session=False))
            db.session.commit()
            return "deferred", until
        facts = recipient_facts(contact, now, promotional=msg.promotional)
        decision = decide(campaign.kind, facts, now, local_tz(), valid_until=campaign.valid_until, cap=cap)
        if decision.action is Action.SKIP:
            advance(msg.id, S.SKIPPED, skip_reason=decision.reason)
            return "skipped", None
        if decision.action is Action.DEFER:
            db.session.execute(update(Message).where(Message.id == msg.id, Message.state == S.QUEUED.value)
                               .values(not_before=decision.until, skip_reason=decision.reason)
                               .execution_options(synchronize_session=False))
            db.session.commit()
            return "deferred", decision.until
        return ("claimed" if claim(msg, now) else "lost"), None
    finally:
        if lock is not None:
            try:
                lock.release()
            except Exception:  # noqa: BLE001 - expired lock: the DB claim already decided
                pass


#: The longest wait a worker sleeps through before retrying a send (the backoff's ceiling). A gateway asking
#: for longer (Retry-After) gets the row back in the queue until then, like any deferred row.
MAX_INLINE_WAIT = 30


def requeue_after(msg_id: int, delay: float, attempts: int) -> bool:
    """sending → queued, due in `delay` seconds. Only for a send the gateway refused (an HTTP answer, so it
    certainly did not take the message); `attempts` carries the HTTP attempts made so far over to the retry."""
    result = db.session.execute(
        update(Message).where(Message.id == msg_id, Message.state == S.SENDING.value)
        .values(state=S.QUEUED.value, not_before=utcnow() + timedelta(seconds=delay), attempts=attempts,
                skip_reason="retry_after")
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def deliver(msg_id: int) -> str:
    """Send one claimed (`sending`) message, retrying 429/5xx with backoff; record the outcome.
    The caller took the first attempt's tokens before claiming (a row never waits in `sending` for tokens).
    Returns "deferred" when the gateway asked for a wait longer than a worker sleeps (the row is queued
    again, due then), else "done"."""
    msg = db.session.get(Message, msg_id)
    gateway = get_gateway()
    cfg = current_app.config
    tb = bucket(gateway.sender)
    attempts, base = int(cfg["SMS_MAX_ATTEMPTS"]), float(cfg["SMS_RETRY_BASE_SECONDS"])
    out = _outgoing(msg)
    first = min(max(msg.attempts or 1, 1), attempts)  # > 1 when a Retry-After put the row back in the queue
    for attempt in range(first, attempts + 1):
        try:
            result = gateway.send(out)
        except GatewayError as exc:
            if exc.permanent or attempt == attempts:
                suffix = "" if exc.permanent else f" (gave up after {attempts} attempts)"
                advance(msg_id, S.FAILED, error_code=exc.code or str(exc.status), error_message=str(exc) + suffix)
                if exc.code == CARRIER_OPT_OUT:
                    opt_out(msg.contact_id, ALL_KINDS, "carrier_21610")
                return "done"
            delay = exc.retry_after or min(base * 2 ** (attempt - 1), MAX_INLINE_WAIT)
            log.warning("SMS %s: %s (HTTP %s), retry in %.1fs", msg_id, exc, exc.status, delay)
            if delay > MAX_INLINE_WAIT:
                requeue_after(msg_id, delay, attempt)
                return "deferred"
            time.sleep(delay)
            if tb is not None:
                tb.take(msg.segments, urgent=msg.campaign.urgent)
            continue
        except AmbiguousSend as exc:
            resolve_unknown(msg, note=f"ambiguous send: {exc}")
            return "done"
        advance(msg_id, S.SENT, provider_sid=result.sid, sent_at=utcnow())
        if result.state is not S.SENT:  # the gateway already knows the outcome
            advance(msg_id, result.state)
        return "done"


def resolve_unknown(msg: Message, note: str = "") -> str:
    """Ask the gateway whether it has a message we may or may not have sent; flag it when it cannot say."""
    since = msg.claimed_at or utcnow() - timedelta(hours=1)
    try:
        found = get_gateway().lookup(_outgoing(msg), since)
    except LookupUnavailable as exc:
        found, note = None, f"{note} lookup unavailable: {exc}".strip()
    else:
        if found is not None:
            db.session.execute(update(Message).where(Message.id == msg.id).values(provider_sid=found.sid)
                               .execution_options(synchronize_session=False))
            advance(msg.id, S.SENT, provider_sid=found.sid, sent_at=since)
            return "sent"
        if not note:
            # The gateway is sure it never got it — still not re-sent automatically: a human decides.
            note = "gateway has no record of this message"
    advance(msg.id, S.UNKNOWN, needs_review=True, error_message=f"unknown — not retried. {note}".strip())
    return "unknown"


def recover_stale(campaign_id: int, now: datetime) -> dict[str, int]:
    lease = timedelta(seconds=float(current_app.config["SMS_SENDING_LEASE_SECONDS"]))
    stale = db.session.scalars(select(Message).where(
        Message.campaign_id == campaign_id, Message.state == S.SENDING.value, Message.claimed_at < now - lease)).all()
    outcome = {"sent": 0, "unknown": 0}
    for msg in stale:
        outcome[resolve_unknown(msg, note="worker stopped mid-send")] += 1
    return outcome


def _precheck(msg: Message, now: datetime) -> Action:
    """The rules without the lock: a cheap first look (check_and_claim decides for real)."""
    facts = recipient_facts(msg.contact, now, promotional=msg.promotional)
    cap = int(current_app.config["SMS_DAILY_CAP"])
    return decide(msg.campaign.kind, facts, now, local_tz(), valid_until=msg.campaign.valid_until, cap=cap).action


def send_batch(message_ids: list[int]) -> dict[str, int]:
    """Claim and send each due, still-queued message of the list. Safe to run twice, concurrently."""
    counts = {"claimed": 0, "deferred": 0, "skipped": 0, "lost": 0}
    for mid in message_ids:
        now = utcnow()
        msg = db.session.get(Message, mid)
        if msg is None or msg.state != S.QUEUED.value or (msg.not_before and msg.not_before > now):
            db.session.rollback()
            continue
        tb = bucket(get_gateway().sender)
        urgent = msg.campaign.urgent  # an alert's SMS or an emergency: the rate goes to it first
        will_send = _precheck(msg, now) is Action.SEND  # deferred or skipped rows must not use up tokens
        if tb is not None and will_send:
            tb.take(msg.segments, urgent=urgent)
            now = utcnow()  # waiting for tokens may have crossed 22:00: the real decision uses the real time
        outcome, _ = check_and_claim(msg, now)
        if outcome == "claimed" and tb is not None and not will_send:
            tb.take(msg.segments, urgent=urgent)
        counts[outcome] += 1
        if outcome == "claimed" and deliver(mid) == "deferred":
            counts["deferred"] += 1  # back in the queue, due later: the caller schedules the follow-up
        db.session.expire_all()
    return counts


def due_message_ids(campaign_id: int, now: datetime) -> list[int]:
    return list(db.session.scalars(select(Message.id).where(
        Message.campaign_id == campaign_id, Message.state == S.QUEUED.value,
        (Message.not_before.is_(None)) | (Message.not_before <= now)).order_by(Message.id)))


def has_sending_rows(campaign_id: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Message).where(
        Message.campaign_id == campaign_id, Message.state == S.SENDING.value)))


def next_due(campaign_id: int) -> datetime | None:
    return db.session.scalar(select(func.min(Message.not_before)).where(
        Message.campaign_id == campaign_id, Message.state == S.QUEUED.value))


def finish_if_done(campaign: Campaign) -> None:
    open_rows = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.campaign_id == campaign.id, Message.state.in_([S.QUEUED.value, S.SENDING.value])))
    if not open_rows and not Schedule.parse(campaign.schedule).ongoing:
        campaign.status = CampaignStatus.DONE.value
        db.session.commit()

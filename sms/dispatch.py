"""Dispatch: materialise one message row per recipient, claim rows one at a time (compare-and-set), send
through the gateway under the sender's token bucket, and move states forward only (`advance`, with the
state diagram and the order, is in sms.models next to `MessageState`) — except a send the gateway refused
for now (429 with its Retry-After, 5xx, no connection), which goes back to `queued`, due after the wait
(`park`): one HTTP attempt per claim, and no worker ever sleeps through a wait while other rows are due.

The database is the only record of what must be sent and when: every row carries its due time
(`not_before`), and `enqueued_at` says whether a batch job holds it (`hand_out`). RQ jobs only speed things
up; the minute sweep (sms.jobs) re-dispatches whatever is due and not in flight, so a flushed or restarted
Redis loses nothing.

Crash safety: a row is committed as `sending` before the HTTP request. A row found in `sending` after its
lease has expired belongs to a worker that died: it is never re-sent blindly — the gateway is asked whether
it has the message (the outbox by our id, Twilio by recipient + body), and when it cannot say the row
becomes `unknown` with `needs_review` for a human to decide.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from signage.extensions import db
from signage.redis_client import get_redis
from signage.timeutil import local_tz, utcnow
from sms import audience
from sms.compliance import Action, CampaignKind, decide, validity_seconds
from sms.encoding import analyse
from sms.gateways import AmbiguousSend, GatewayError, LookupUnavailable, OutgoingSms, get_gateway
from sms.models import Campaign, CampaignStatus, Message, MessageState, advance
from sms.optouts import ALL_KINDS, opt_out, recipient_facts
from sms.render import optout_link, pick_language, render_body
from sms.schedule import Schedule
from sms.status import CARRIER_OPT_OUT, record_status
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
            try:
                db.session.execute(Message.__table__.insert(), rows)
                db.session.commit()
            except IntegrityError:  # another dispatcher (the sweep, a follow-up) created some of them first
                db.session.rollback()
                for row in rows:
                    try:
                        db.session.execute(Message.__table__.insert(), [row])
                        db.session.commit()
                    except IntegrityError:
                        db.session.rollback()
                        continue
                    created += 1
                continue
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


#: An alphanumeric sender ID (brandname): up to 11 letters, digits or spaces, at least one letter.
BRANDNAME = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")


def promotional_sender_problem() -> str | None:
    """Why promotional SMS cannot be sent with this configuration (None: they can). Once SMS_BRANDNAME is set
    they go only from it, so it must be a registered alphanumeric sender ID, never a phone number."""
    brandname = str(current_app.config["SMS_BRANDNAME"]).strip()
    if brandname and not BRANDNAME.fullmatch(brandname):
        return (f"Promotional SMS must go from the registered brandname (an alphanumeric sender ID of up to 11 "
                f"letters and digits); SMS_BRANDNAME is {brandname!r}, a phone number or not a sender ID. "
                f"Promotional campaigns are refused until it is corrected.")
    return None


def _outgoing(msg: Message, now: datetime | None = None) -> OutgoingSms:
    """What the gateway sends for a row. Promotional messages go from the brandname (when one is configured)
    and expire at 22:00 local time if the provider still holds them then (ValidityPeriod)."""
    sender = validity = None
    if msg.promotional:
        sender = str(current_app.config["SMS_BRANDNAME"]).strip() or None
        validity = validity_seconds(now or utcnow(), local_tz()) or None
    return OutgoingSms(to=msg.phone, body=msg.body, message_id=msg.id, status_callback=status_callback_url(msg.id),
                       validity_period=validity, sender=sender)


def claim(msg: Message, now: datetime) -> bool:
    """queued → sending (compare-and-set, committed): exactly one worker wins a row."""
    result = db.session.execute(
        update(Message).where(Message.id == msg.id, Message.state == S.QUEUED.value)
        .values(state=S.SENDING.value, claimed_at=now, attempts=Message.attempts + 1,
                first_tried_at=func.coalesce(Message.first_tried_at, now))
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
                               .values(not_before=until, skip_reason="alert_first", enqueued_at=None)
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
                               .values(not_before=decision.until, skip_reason=decision.reason, enqueued_at=None)
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


def park(msg_id: int, delay: float, reason: str, note: str = "") -> bool:
    """sending → queued, due in `delay` seconds, not in flight. Only for a send the gateway refused (an HTTP
    answer, so it certainly did not take the message): a worker never sleeps through a Retry-After or a
    backoff, it parks the row and goes on with the others. `note` tells the operator why it waits."""
    result = db.session.execute(
        update(Message).where(Message.id == msg_id, Message.state == S.SENDING.value)
        .values(state=S.QUEUED.value, not_before=utcnow() + timedelta(seconds=delay), skip_reason=reason,
                enqueued_at=None, error_message=note)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def retry_delay(attempt: int, retry_after: float | None, *, base: float, cap: float) -> float:
    """Seconds until the next attempt: the gateway's Retry-After when it gave one, else base × 2^(attempt-1);
    never more than `cap`."""
    wanted = retry_after if retry_after is not None else base * 2 ** (max(attempt, 1) - 1)
    return min(max(wanted, 0.0), cap)


def retries_until(msg: Message) -> datetime | None:
    """Emergency and public-service messages keep retrying until this time after their first attempt
    (SMS_URGENT_RETRY_HOURS); None for promotional ones (SMS_MAX_ATTEMPTS counts their attempts)."""
    if msg.campaign.kind == CampaignKind.PROMOTIONAL or msg.first_tried_at is None:
        return None
    return msg.first_tried_at + timedelta(hours=float(current_app.config["SMS_URGENT_RETRY_HOURS"]))


def deliver(msg_id: int) -> str:
    """Make one HTTP attempt for a claimed (`sending`) message and record the outcome. The caller took the
    tokens before claiming (a row never waits in `sending` for tokens). A transient refusal (429, 5xx, no
    connection) parks the row, due after the Retry-After or the backoff, and returns "deferred"; the row
    fails when its retries are used up (SMS_MAX_ATTEMPTS; emergency and public-service messages: retried
    for SMS_URGENT_RETRY_HOURS). Else "done"."""
    msg = db.session.get(Message, msg_id, populate_existing=True)  # as claimed: attempts, first_tried_at
    cfg = current_app.config
    try:
        result = get_gateway().send(_outgoing(msg))
    except GatewayError as exc:
        attempt = msg.attempts or 1
        code = exc.code or str(exc.status)
        if exc.permanent:
            advance(msg_id, S.FAILED, error_code=code, error_message=str(exc))
            if exc.code == CARRIER_OPT_OUT:
                opt_out(msg.contact_id, ALL_KINDS, "carrier_21610")
            return "done"
        delay = retry_delay(attempt, exc.retry_after, base=float(cfg["SMS_RETRY_BASE_SECONDS"]),
                            cap=float(cfg["SMS_RETRY_MAX_SECONDS"]))
        until = retries_until(msg)
        gives_up = (utcnow() + timedelta(seconds=delay) > until) if until is not None \
            else attempt >= int(cfg["SMS_MAX_ATTEMPTS"])
        if gives_up:
            advance(msg_id, S.FAILED, error_code=code,
                    error_message=f"{exc} (gave up after {attempt} attempts)")
            return "done"
        log.warning("SMS %s: %s (HTTP %s), parked for %.1fs", msg_id, exc, exc.status, delay)
        reason = "retry_after" if exc.retry_after is not None else "gateway_retry"
        park(msg_id, delay, reason, note=f"waiting: gateway answered {code} ({exc}); attempt {attempt}")
        return "deferred"
    except AmbiguousSend as exc:
        resolve_unknown(msg, note=f"ambiguous send: {exc}")
        return "done"
    advance(msg_id, S.SENT, provider_sid=result.sid, sent_at=utcnow(), error_message="")
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


def reconcile(now: datetime, limit: int = 500) -> dict[str, int]:
    """Ask the gateway about messages still `sent` SMS_RECONCILE_AFTER_MINUTES after they went (their status
    callbacks were missed, e.g. while the controller was down) and record what it says, forward only. A row
    is asked again at most once per that period. Returns {"checked", "moved", "unavailable"}."""
    after = timedelta(minutes=float(current_app.config["SMS_RECONCILE_AFTER_MINUTES"]))
    rows = db.session.execute(select(Message.id, Message.provider_sid).where(
        Message.state == S.SENT.value, Message.sent_at < now - after, Message.provider_sid != "",
        or_(Message.checked_at.is_(None), Message.checked_at < now - after)).order_by(Message.sent_at)
        .limit(limit)).all()
    gateway = get_gateway()
    counts = {"checked": 0, "moved": 0, "unavailable": 0}
    for mid, sid in rows:
        try:
            found = gateway.fetch(sid, mid)
        except LookupUnavailable as exc:
            log.warning("reconciliation stopped: the gateway cannot be asked (%s)", exc)
            counts["unavailable"] += 1
            break
        db.session.execute(update(Message).where(Message.id == mid).values(checked_at=now)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        counts["checked"] += 1
        if found is not None and record_status(mid, found.state, sid=sid, error_code=found.error_code,
                                               price=found.price):
            counts["moved"] += 1
    return counts


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


def _due_not_in_flight(now: datetime) -> tuple:
    """Queued, due, and not handed to a batch job within SMS_INFLIGHT_SECONDS."""
    since = now - timedelta(seconds=float(current_app.config["SMS_INFLIGHT_SECONDS"]))
    return (Message.state == S.QUEUED.value, or_(Message.not_before.is_(None), Message.not_before <= now),
            or_(Message.enqueued_at.is_(None), Message.enqueued_at < since))


def hand_out_limit() -> int | None:
    """How many rows one dispatch hands out: what the sender's rate sends in three quarters of
    SMS_INFLIGHT_SECONDS, so rows handed out are sent before they count as lost (the minute sweep hands out
    the next ones); None (all) without a throttle."""
    cfg = current_app.config
    if not int(cfg["SMS_THROTTLE"]):
        return None
    per_window = float(cfg["SMS_RATE_MPS"]) * float(cfg["SMS_INFLIGHT_SECONDS"]) * 0.75
    return max(int(per_window), int(cfg["SMS_BATCH_SIZE"]))


def hand_out(campaign_id: int, now: datetime, limit: int | None = None) -> list[int]:
    """Mark the campaign's due rows that are not in flight (at most `limit`, oldest first) as handed to a
    batch job — compare-and-set: of two dispatchers running at once, each row goes to one — and return their
    ids, in order. A row stays in flight for SMS_INFLIGHT_SECONDS; one its job never reached (a killed worker,
    a Redis that lost the job) is handed out again after that, and the claim's compare-and-set keeps a late
    twin job from sending it twice."""
    cond = _due_not_in_flight(now)
    ids = list(db.session.scalars(select(Message.id).where(Message.campaign_id == campaign_id, *cond)
                                  .order_by(Message.id).limit(limit)))
    marked: list[int] = []
    for i in range(0, len(ids), 500):
        result = db.session.execute(
            update(Message).where(Message.id.in_(ids[i:i + 500]), *cond).values(enqueued_at=now)
            .returning(Message.id).execution_options(synchronize_session=False))
        marked.extend(result.scalars())
    db.session.commit()
    return sorted(marked)


def has_work(campaign_id: int, now: datetime) -> bool:
    """Due rows not in flight, or rows left in `sending` past their lease: a dispatch run has work."""
    lease = timedelta(seconds=float(current_app.config["SMS_SENDING_LEASE_SECONDS"]))
    due = select(Message.id).where(Message.campaign_id == campaign_id, *_due_not_in_flight(now)).limit(1)
    stale = select(Message.id).where(Message.campaign_id == campaign_id, Message.state == S.SENDING.value,
                                     Message.claimed_at < now - lease).limit(1)
    return db.session.scalar(due) is not None or db.session.scalar(stale) is not None


def has_occurrence(campaign_id: int, occurrence: str) -> bool:
    return db.session.scalar(select(Message.id).where(Message.campaign_id == campaign_id,
                                                      Message.occurrence == occurrence).limit(1)) is not None


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

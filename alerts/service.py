"""Alerts' state, and the only functions that change it: raise, approve / reject, update (supersede), cancel,
expire — and what each screen is told (`publish`).

Contract:
- Forward only (the diagram is in alerts/models.py). Ending an alert (cancel, expiry, replacement) is a
  compare-and-set on `cancelled_at IS NULL`: two operators cancelling at once, or a cancel racing the expiry,
  end it once and announce it once. An update puts a successor on air and ends the alerts it replaces in ONE
  commit, so no poll ever sees the gap between them.
- Every change commits first, then publishes (below), then announces itself through `signage.signals`
  (`alert_raised`, `alert_updated`, `alert_cancelled`) with plain data. Subscribers (the SMS package) never read
  our tables and we never import them; `alert_cancelled` receivers may answer with what they stopped.
- Levels (`Level`): an emergency raised by an admin or approver goes on air at once, unless its region wants
  a second person (`AlertRegionRule.two_person`); announcements and corrections always wait for a second
  person's approval (`signage.approval`: never the submitter's own). CAP alerts come from the warning
  authority and go on air at once.
- SMS is the alert's own column (`send_sms`), whoever raised it; the regions texted are `rules.sms_regions`.
- Publishing: which screens an alert reaches is scheduling's resolver (`scheduling.targeting.target_screen_ids`),
  applied once per change to every alert on air; `rules.screen_answers` makes each screen's answer, and only
  the screens whose answer changed get a new version (`alerts:v:<screen>`, from one generation counter) and a
  new answer (`alerts:a:<screen>`, the JSON the player gets). A poll is then one Redis MGET (304) or GET (200)
  whether 20 or 20,000 screens poll. Those screens are then announced (`alert_answers_published`, the lock
  released): the players package pushes their new answers to the players. Redis is never the only copy: the
  published state is rebuilt from the database when Redis lost it (`ensure_published`), and by the reconcile
  job every minute.
- Expiry: each alert's `expires_at` is in its answer (players drop it on their own clock, also without the
  controller); on the server an RQ job at that time (and the first poll after it, see players.fastpath) ends
  it with `ended_reason` "expired" and announces `alert_cancelled`, which stops its unsent SMS.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from datetime import datetime

from flask import Flask, current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import or_, select, update

from alerts import rules
from alerts.models import AlertRegionRule, EmergencyAlert, EndReason, Level, Severity
from alerts.rules import OnAir
from scheduling.targeting import target_screen_ids
from signage import approval
from signage.approval import ApprovalState
from signage.extensions import db
from signage.models import Region, Screen
from signage.redis_client import get_queue, get_redis
from signage.signals import (
    alert_answers_published,
    alert_cancelled,
    alert_raised,
    alert_updated,
    screen_group_changed,
    screens_changed,
)
from signage.timeutil import utcnow

log = logging.getLogger(__name__)

#: Generation counter: every publish that changes any answer takes the next value (seeded from the clock, so a
#: flushed Redis never hands out an old version again).
GEN_KEY = "alerts:gen"
#: The version of every screen that never had an answer of its own (set when the state is built from scratch).
EPOCH_KEY = "alerts:epoch"
#: The published state: [{"alert": alert_json, "screens": [ids]}] — what the last publish computed.
STATE_KEY = "alerts:on-air"
#: Epoch milliseconds of the earliest expiry among the published alerts (absent: none expires).
NEXT_EXPIRY_KEY = "alerts:next-expiry"
PUBLISH_LOCK = "alerts:publish-lock"
EXPIRING_KEY = "alerts:expiring"
#: RQ queue of the alert jobs (expiry, acknowledgements, reconcile, CAP feed).
QUEUE = "high"


def version_key(screen_id: int) -> str:
    return f"alerts:v:{screen_id}"


def answer_key(screen_id: int) -> str:
    return f"alerts:a:{screen_id}"


class AlertError(ValueError):
    """The alert cannot be raised as asked. `code` is stable (for callers and tests); the message is
    translated for the person who asked."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------- reading


def on_air_query(now: datetime):
    return select(EmergencyAlert).where(
        EmergencyAlert.approval_state == ApprovalState.APPROVED.value, EmergencyAlert.started_at.is_not(None),
        EmergencyAlert.cancelled_at.is_(None),
        or_(EmergencyAlert.expires_at.is_(None), EmergencyAlert.expires_at > now),
    ).order_by(EmergencyAlert.started_at, EmergencyAlert.id)


def active_alerts(now: datetime | None = None) -> list[EmergencyAlert]:
    return list(db.session.scalars(on_air_query(now or utcnow())))


def screen_ids(alert: EmergencyAlert) -> set[int]:
    """The active screens the alert reaches now (scheduling's resolver)."""
    return target_screen_ids(rules.alert_targets(
        alert.region_id, alert.target_region_ids or [], alert.target_screen_ids or [], alert.target_group_ids or []
    ))


def player_json(alert: EmergencyAlert) -> dict:
    return rules.alert_json(alert_id=alert.id, level=alert.level, severity=alert.severity, messages=alert.messages,
                            started_at=alert.started_at, expires_at=alert.expires_at)


def resolve(now: datetime) -> list[OnAir]:
    """Every alert on air at `now` with the screens it reaches (a few queries per alert, once per change)."""
    return [OnAir(player_json(a), frozenset(screen_ids(a))) for a in active_alerts(now)]


def sms_region_ids(alert: EmergencyAlert) -> list[int]:
    """The regions whose contacts the alert's SMS reaches (`rules.sms_regions`)."""
    reached: set[int] = set()
    if alert.target_screen_ids or alert.target_group_ids:  # screens reached through target regions add nothing
        direct = target_screen_ids(rules.alert_targets(alert.region_id, [], alert.target_screen_ids or [],
                                                       alert.target_group_ids or []))
        if direct:
            reached = set(db.session.scalars(select(Screen.region_id).where(Screen.id.in_(direct))))
    named = set(alert.sms_region_ids or []) | set(alert.target_region_ids or []) | reached | {alert.region_id}
    paths = dict(db.session.execute(select(Region.id, Region.path).where(Region.id.in_(named))).all())
    return rules.sms_regions([r for r in alert.sms_region_ids or [] if r in paths],
                             [r for r in alert.target_region_ids or [] if r in paths], reached, paths,
                             alert.region_id)


def needs_confirmation(region: Region) -> bool:
    """Whether an emergency raised in the UI for `region` waits for a second person (the nearest rule)."""
    ancestors = [p for p in region.path.split("/") if p]
    rows = db.session.execute(select(Region.path, AlertRegionRule.two_person).join(
        AlertRegionRule, AlertRegionRule.region_id == Region.id).where(Region.id.in_([int(a) for a in ancestors])))
    return rules.needs_confirmation(region.path, {path: value for path, value in rows})


# ---------------------------------------------------------------- publishing what each screen shows


def _next_generation(redis) -> int:
    if redis.get(GEN_KEY) is None:
        redis.set(GEN_KEY, int(time.time() * 1000), nx=True)
    return int(redis.incr(GEN_KEY))


def _stored_state(raw: bytes | None) -> list[OnAir] | None:
    if raw is None:
        return None
    return [OnAir(item["alert"], frozenset(item["screens"])) for item in json.loads(raw)]


def publish(now: datetime | None = None, *, blocking: bool = True) -> bool:
    """Make every screen's answer match the database at `now`: resolve the alerts on air, and write a new
    version and answer for exactly the screens whose answer changed (one MULTI). Serialised by a Redis lock;
    with `blocking=False` returns False at once when another publish is running (it publishes the same)."""
    redis = get_redis()
    lock = redis.lock(PUBLISH_LOCK, timeout=120, blocking_timeout=60 if blocking else 0)
    if not lock.acquire():
        return False
    changed: dict = {}
    try:
        now = now or utcnow()
        on_air = resolve(now)
        after = rules.screen_answers(on_air)
        previous = _stored_state(redis.get(STATE_KEY))
        if previous is None:  # built from scratch (first start, or Redis lost it): every answer left over changes
            before = {int(k.rsplit(b":", 1)[1]): "?" for k in redis.scan_iter(match="alerts:a:*", count=1000)}
        else:
            before = rules.screen_answers(previous)
        changed = rules.changed_answers(before, after)
        generation = _next_generation(redis) if changed or previous is None else None
        pipe = redis.pipeline(transaction=True)  # a few commands, however many screens: MSET, DEL, MSET
        answers = {answer_key(sid): body for sid, body in changed.items() if body is not None}
        if answers:
            pipe.mset(answers)
        gone = [answer_key(sid) for sid, body in changed.items() if body is None]
        if gone:
            pipe.delete(*gone)
        if changed:
            pipe.mset({version_key(sid): generation for sid in changed})
        if previous is None:
            pipe.set(EPOCH_KEY, generation)
        pipe.set(STATE_KEY, json.dumps([{"alert": i.alert, "screens": sorted(i.screens)} for i in on_air]))
        expiry = rules.next_expiry(on_air)
        if expiry is None:
            pipe.delete(NEXT_EXPIRY_KEY)
        else:
            pipe.set(NEXT_EXPIRY_KEY, expiry)
        pipe.execute()
    finally:
        try:
            lock.release()
        except Exception:  # noqa: BLE001 - the lock expired: the MULTI above was still one step
            pass
    if changed:  # after the lock: pushing to the players (players.push) never holds up the next publish
        alert_answers_published.send(current_app._get_current_object(), screen_ids=sorted(changed))
    return True


def ensure_published() -> None:
    """Build the published state from the database when Redis does not have it (started empty or lost)."""
    if get_redis().get(EPOCH_KEY) is None:
        publish()


def screen_answer(screen_id: int) -> tuple[str, bytes]:
    """(version, JSON list of alerts) for one screen, from the published state (no database)."""
    redis = get_redis()
    version, epoch, body = redis.mget(version_key(screen_id), EPOCH_KEY, answer_key(screen_id))
    if epoch is None:
        ensure_published()
        version, epoch, body = redis.mget(version_key(screen_id), EPOCH_KEY, answer_key(screen_id))
    return (version or epoch or b"0").decode(), body or b"[]"


def expiry_due(raw_next_expiry: bytes | None, now_ms: int) -> bool:
    return raw_next_expiry is not None and int(raw_next_expiry) <= now_ms


def _publish_after_change() -> None:
    """Publish after a committed change. Redis trouble must not undo it: the reconcile job publishes it."""
    try:
        publish()
    except RedisError:
        log.exception("alerts: publish failed; the reconcile job will publish this change")


# ---------------------------------------------------------------- changes


def _new_alert(*, region_id: int, messages: dict[str, str], level: str = Level.EMERGENCY.value,
               severity: str = Severity.SEVERE.value, target_region_ids: Iterable[int] = (),
               target_screen_ids: Iterable[int] = (), target_group_ids: Iterable[int] = (),
               sms_region_ids: Iterable[int] = (), send_sms: bool = False, duration_s: int | None = None,
               expires_at: datetime | None = None, created_by_id: int | None = None, source: str = "operator",
               cap_reference: str | None = None) -> EmergencyAlert:
    messages = rules.cleaned_messages(messages)
    if not messages.get("vi"):
        raise AlertError("vi_required", _("The Vietnamese message is required."))
    if severity not in {s.value for s in Severity}:
        raise AlertError("unknown_severity", _("Unknown severity."))
    if level not in {lv.value for lv in Level}:
        raise AlertError("unknown_level", _("Unknown kind of alert."))
    if rules.is_official(level) and not (duration_s or expires_at):
        raise AlertError("duration_required", _("An announcement or correction needs the time it stays on air."))
    if duration_s is not None and duration_s <= 0:
        raise AlertError("duration_required", _("An announcement or correction needs the time it stays on air."))
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise AlertError("expired", _("This alert has already expired."))
    return EmergencyAlert(
        region_id=region_id, messages=messages, level=level, severity=severity,
        target_region_ids=sorted(set(target_region_ids)), target_screen_ids=sorted(set(target_screen_ids)),
        target_group_ids=sorted(set(target_group_ids)), sms_region_ids=sorted(set(sms_region_ids)),
        send_sms=bool(send_sms), duration_s=duration_s, expires_at=expires_at, created_by_id=created_by_id,
        created_at=now, source=source, cap_reference=cap_reference,
        approval_state=ApprovalState.SUBMITTED.value, submitted_at=now, submitted_by_id=created_by_id,
    )


def _start(alert: EmergencyAlert, now: datetime) -> None:
    """The alert goes on air at `now` (not yet committed)."""
    alert.started_at = now
    alert.expires_at = rules.ends_at(now, alert.duration_s, alert.expires_at)


def _raised_kwargs(alert: EmergencyAlert) -> dict:
    """The plain data `alert_raised` / `alert_updated` carry (see signage/signals.py)."""
    return {
        "alert_id": alert.id, "level": alert.level, "severity": alert.severity, "messages": dict(alert.messages),
        "region_ids": sms_region_ids(alert), "owner_region_id": alert.region_id, "send_sms": bool(alert.send_sms),
        "expires_at": alert.expires_at.isoformat() if alert.expires_at else None, "user_id": alert.created_by_id,
    }


def _went_on_air(alert: EmergencyAlert) -> None:
    _publish_after_change()
    plan_expiry(alert)
    alert_raised.send(current_app._get_current_object(), **_raised_kwargs(alert))


def raise_alert(*, level: str = Level.EMERGENCY.value, **fields) -> EmergencyAlert:
    """Create an alert, commit it and — unless it waits for a second person — put it on air and announce it
    (the audit log records who raised it). Raises AlertError. Returns the alert; `alert.pending` says whether
    it waits for approval.

    Fields: region_id (owner), messages (language → text; "vi" required), severity (default severe),
    target_region_ids / target_screen_ids / target_group_ids (all empty = the owner region), send_sms,
    sms_region_ids (empty = the regions of the screens reached), duration_s and/or expires_at (announcements
    and corrections need one), created_by_id, source ("operator" | "cap"), cap_reference."""
    alert = _new_alert(level=level, **fields)
    region = db.session.get(Region, alert.region_id)
    waits = rules.is_official(level) or (alert.source == "operator" and needs_confirmation(region))
    if not waits:
        now = alert.submitted_at
        alert.approval_state, alert.reviewed_at = ApprovalState.APPROVED.value, now
        alert.review_comment = "raised by an authorised person; no confirmation required"
        _start(alert, now)
    db.session.add(alert)
    db.session.commit()
    if not waits:
        _went_on_air(alert)
    return alert


def approve_alert(alert: EmergencyAlert, comment: str = "") -> None:
    """A second person approves (confirms) a waiting alert: it goes on air now. `signage.approval.approve`
    refuses the submitter (ApprovalError "own_work") unless the region allows self-approval; an alert that
    ended while waiting (withdrawn, or its expiry passed) cannot be approved."""
    if alert.cancelled_at is not None or (alert.expires_at is not None and alert.expires_at <= utcnow()):
        raise approval.ApprovalError("state")
    approval.approve(alert, comment)
    _start(alert, utcnow())
    db.session.commit()
    _went_on_air(alert)


def reject_alert(alert: EmergencyAlert, comment: str) -> None:
    approval.reject(alert, comment)
    db.session.commit()


def update_alert(replaces: list[EmergencyAlert], **fields) -> EmergencyAlert:
    """Put a successor on air at once in place of `replaces` (fields as for `raise_alert`; a CAP Update).

    The successor and the endings are one commit. Announced as `alert_updated` with `replaces` (the ids of every
    replaced alert, on air or not), or as `alert_raised` when `replaces` is empty."""
    if not replaces:
        return raise_alert(**fields)
    alert = _new_alert(**fields)
    now = alert.submitted_at
    alert.approval_state, alert.reviewed_at = ApprovalState.APPROVED.value, now
    _start(alert, now)
    db.session.add(alert)
    for old in replaces:
        if old.cancelled_at is None:
            old.cancelled_at, old.ended_reason, old.cancelled_by_id = now, EndReason.REPLACED.value, alert.created_by_id
    db.session.commit()
    _publish_after_change()
    plan_expiry(alert)
    alert_updated.send(current_app._get_current_object(), replaces=sorted(a.id for a in replaces),
                       **_raised_kwargs(alert))
    return alert


def _end(alert: EmergencyAlert, at: datetime, reason: EndReason, by_id: int | None) -> bool:
    """Compare-and-set `cancelled_at IS NULL` → ended; False when it had already ended. Commits."""
    won = db.session.execute(
        update(EmergencyAlert).where(EmergencyAlert.id == alert.id, EmergencyAlert.cancelled_at.is_(None))
        .values(cancelled_at=at, ended_reason=reason.value, cancelled_by_id=by_id)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        db.session.rollback()
        return False
    # The same values again through the ORM, so the audit hook records the change like any other.
    alert.cancelled_at, alert.ended_reason, alert.cancelled_by_id = at, reason.value, by_id
    db.session.commit()
    return True


def cancel_alert(alert: EmergencyAlert, cancelled_by_id: int | None = None) -> dict | None:
    """Take the alert off air (or withdraw one waiting for approval). None when it had already ended; else what
    the receivers of `alert_cancelled` reported (the SMS package: {"sms_stopped": n, "sms_sent": n})."""
    was_on_air = alert.started_at is not None
    if not _end(alert, utcnow(), EndReason.CANCELLED, cancelled_by_id):
        return None
    _publish_after_change()
    if not was_on_air:
        return {}
    return _announce_end(alert.id, cancelled_by_id, EndReason.CANCELLED)


def _announce_end(alert_id: int, user_id: int | None, reason: EndReason) -> dict:
    report: dict = {}
    for _receiver, answer in alert_cancelled.send(current_app._get_current_object(), alert_id=alert_id,
                                                  user_id=user_id, reason=reason.value):
        if isinstance(answer, dict):
            report.update(answer)
    return report


def expire_due(now: datetime | None = None) -> list[int]:
    """End every alert whose `expires_at` has passed (at that time, reason "expired"), publish, announce each.
    Idempotent and safe to run concurrently (compare-and-set). Returns the ids it ended."""
    now = now or utcnow()
    due = list(db.session.scalars(select(EmergencyAlert).where(
        EmergencyAlert.cancelled_at.is_(None), EmergencyAlert.expires_at.is_not(None),
        EmergencyAlert.expires_at <= now)))
    ended = [a for a in due if _end(a, a.expires_at, EndReason.EXPIRED, None)]
    publish(now)
    for alert in ended:
        if alert.started_at is not None:
            _announce_end(alert.id, None, EndReason.EXPIRED)
    return [a.id for a in ended]


def expire_from_poll(now_ms: int) -> None:
    """A poll found an expiry due: the first such poll in a few seconds runs `expire_due`; the others answer
    from the published state (their players drop the alert on their own clock anyway)."""
    if get_redis().set(EXPIRING_KEY, now_ms, nx=True, ex=5):
        expire_due()


# ---------------------------------------------------------------- jobs planned from here (alerts.jobs runs them)


def plan_expiry(alert: EmergencyAlert) -> None:
    """An RQ job at the alert's expiry (one job id per alert and time: planning twice plans once)."""
    if alert.expires_at is None:
        return
    queue = get_queue(QUEUE)
    if not queue.is_async:
        return  # RQ_SYNC (tests): no scheduler; tests call expire_due at the (frozen) time they want
    try:
        queue.enqueue_at(alert.expires_at, "alerts.jobs.expire", job_id=f"alert-expire-{alert.id}-"
                         f"{int(alert.expires_at.timestamp())}", result_ttl=3600, failure_ttl=7 * 86400)
    except RedisError:
        log.exception("alerts: could not plan the expiry of alert %s (the reconcile job will end it)", alert.id)


def _on_screens_changed(sender, **kwargs) -> None:
    """Screen or group changes can change whom an alert on air covers."""
    if db.session.scalar(on_air_query(utcnow()).with_only_columns(EmergencyAlert.id).limit(1)):
        _publish_after_change()


def connect_signals(app: Flask) -> None:
    screens_changed.connect(_on_screens_changed, app, weak=False)
    screen_group_changed.connect(_on_screens_changed, app, weak=False)


def waiting_query():
    """Alerts waiting for a second person (approval of an announcement, confirmation of an emergency)."""
    return select(EmergencyAlert).where(
        EmergencyAlert.approval_state == ApprovalState.SUBMITTED.value, EmergencyAlert.cancelled_at.is_(None),
        or_(EmergencyAlert.expires_at.is_(None), EmergencyAlert.expires_at > utcnow()))


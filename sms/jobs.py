"""RQ jobs of the SMS package. They take plain ids, run inside the app context, and are idempotent."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from rq import Retry

from signage.extensions import db
from signage.redis_client import get_queue
from signage.timeutil import local_tz, utcnow
from sms import dispatch, uploads
from sms.models import Campaign, CampaignStatus
from sms.status import record_status

QUEUE = "default"


def _queue():
    return get_queue(QUEUE)


def start_campaign(campaign_id: int) -> None:
    _queue().enqueue(dispatch_campaign, campaign_id, retry=Retry(max=3, interval=[10, 60, 300]))


def _schedule_followup(campaign_id: int, when: datetime | None) -> None:
    queue = _queue()
    if when is None or not queue.is_async:
        return  # in tests with RQ_SYNC the test calls dispatch again at the right (frozen) time
    when = max(when, utcnow() + timedelta(seconds=1))
    queue.enqueue_at(when, dispatch_campaign, campaign_id, job_id=f"sms-dispatch-{campaign_id}-{int(when.timestamp())}")


def _recurring_occurrence(campaign: Campaign, now: datetime) -> tuple[str, datetime] | None:
    sched = campaign.schedule or {}
    tz = local_tz()
    local = now.astimezone(tz)
    hh, mm = (int(x) for x in sched.get("time", "09:00").split(":"))
    at = datetime(local.year, local.month, local.day, hh, mm, tzinfo=tz)
    if local.weekday() not in sched.get("weekdays", list(range(7))) or local < at:
        return None
    return local.date().isoformat(), at.astimezone(now.tzinfo)


def _next_recurring(campaign: Campaign, now: datetime) -> datetime | None:
    sched = campaign.schedule or {}
    tz = local_tz()
    hh, mm = (int(x) for x in sched.get("time", "09:00").split(":"))
    day: date = now.astimezone(tz).date()
    for offset in range(1, 8):
        d = day + timedelta(days=offset)
        if d.weekday() in sched.get("weekdays", list(range(7))):
            return datetime(d.year, d.month, d.day, hh, mm, tzinfo=tz).astimezone(now.tzinfo)
    return None


def dispatch_campaign(campaign_id: int) -> dict:
    """Create missing message rows, resolve rows abandoned in `sending`, queue due batches, plan the next run."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.RUNNING.value or campaign.approval_state != "approved":
        return {"skipped": True}
    now = utcnow()
    mode = (campaign.schedule or {}).get("mode", "now")
    created = 0
    if campaign.valid_until is None or now < campaign.valid_until:
        if mode == "recurring":
            occ = _recurring_occurrence(campaign, now)
            if occ:
                created = dispatch.materialise(campaign, now=now, occurrence=occ[0], due=occ[1])
        elif mode == "arrival" or campaign.materialised_at is None:
            created = dispatch.materialise(campaign, now=now)
            if mode != "arrival":
                campaign.materialised_at = now  # one-off campaigns: the audience is fixed at the first run
                db.session.commit()
    recovered = dispatch.recover_stale(campaign_id, now)
    ids = dispatch.due_message_ids(campaign_id, now)
    size = int(current_app.config["SMS_BATCH_SIZE"])
    for i in range(0, len(ids), size):
        _queue().enqueue(send_batch, campaign_id, ids[i:i + size])
    followup = dispatch.next_due(campaign_id)
    if mode == "recurring":
        nxt = _next_recurring(campaign, now)
        followup = min(x for x in (followup, nxt) if x) if (followup or nxt) else None
    elif mode == "arrival":
        hourly = now + timedelta(hours=1)  # new arrivals keep coming in
        followup = min(followup, hourly) if followup else hourly
    if ids or dispatch.has_sending_rows(campaign_id):
        # Watchdog: if a worker dies mid-batch, this later run resolves its rows and sends the rest.
        lease = float(current_app.config["SMS_SENDING_LEASE_SECONDS"])
        watchdog = now + timedelta(seconds=lease + 5)
        followup = min(followup, watchdog) if followup and followup > now else watchdog
    if followup and followup > now:
        _schedule_followup(campaign_id, followup)
    db.session.refresh(campaign)
    dispatch.finish_if_done(campaign)
    return {"created": created, "batches": (len(ids) + size - 1) // size, **recovered}


def send_batch(campaign_id: int, message_ids: list[int]) -> dict:
    counts = dispatch.send_batch(message_ids)
    if counts["deferred"]:
        _schedule_followup(campaign_id, dispatch.next_due(campaign_id))
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is not None:
        dispatch.finish_if_done(campaign)
    return counts


def enqueue_outbox_receipt(sid: str) -> None:
    get_queue("low").enqueue(outbox_receipt, sid)


def outbox_receipt(sid: str) -> bool:
    """The outbox's phone 'receives' the message: a delivery receipt through the normal status path."""
    from sqlalchemy import select

    from sms.models import OutboxMessage

    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.sid == sid))
    if row is None or row.message_id is None:
        return False
    row.status = "delivered"
    db.session.commit()
    return record_status(row.message_id, "delivered", sid=sid)


def import_contacts_job(name: str, region_path: str, source_name: str) -> dict:
    from rq import get_current_job

    from sms.imports import import_contacts

    job = get_current_job()

    def progress(done: int, total: int) -> None:
        if job is not None:
            job.meta.update(done=done, total=total, region_path=region_path)
            job.save_meta()

    with uploads.claimed(name) as path:
        report = import_contacts(path.read_text(encoding="utf-8-sig"), allowed_region_path=region_path,
                                 source_name=source_name, progress=progress)
    return {"imported": report.imported, "total": report.total,
            "errors": [{"line": line, "phone": phone, "reason": reason} for line, phone, reason in report.errors]}


def import_suppression_job(name: str, list_name: str) -> dict:
    from rq import get_current_job

    from sms.imports import import_suppression

    job = get_current_job()

    def progress(lines: int) -> None:
        if job is not None:
            job.meta.update(done=lines, total=0)
            job.save_meta()

    with uploads.claimed(name) as path, path.open(encoding="utf-8-sig", errors="replace") as handle:
        return import_suppression(handle, list_name, progress=progress)

"""RQ jobs of the SMS package: dispatching campaigns and importing uploaded lists. They take plain ids, run
inside the app context, and are idempotent. (The outbox's receipt job lives with the outbox, in
sms.gateways.outbox.)"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from rq import Retry, get_current_job

from signage.extensions import db
from signage.redis_client import URGENT_QUEUE, get_queue
from signage.timeutil import local_tz, utcnow
from sms import dispatch, uploads
from sms.imports import import_contacts, import_suppression
from sms.models import Campaign, CampaignStatus
from sms.schedule import Schedule, ScheduleMode

QUEUE = "default"


def _queue(urgent: bool = False):
    """An urgent campaign (`Campaign.urgent`: an alert's SMS, an emergency) runs on the urgent queue: every worker
    takes it before anything else, and a worker of its own serves it alone (`flask worker --queue urgent`)."""
    return get_queue(URGENT_QUEUE if urgent else QUEUE)


def start_campaign(campaign_id: int, *, urgent: bool = False) -> None:
    _queue(urgent).enqueue(dispatch_campaign, campaign_id, retry=Retry(max=3, interval=[10, 60, 300]))


def _schedule_followup(campaign_id: int, when: datetime | None, urgent: bool = False) -> None:
    queue = _queue(urgent)
    if when is None or not queue.is_async:
        return  # in tests with RQ_SYNC the test calls dispatch again at the right (frozen) time
    when = max(when, utcnow() + timedelta(seconds=1))
    queue.enqueue_at(when, dispatch_campaign, campaign_id, job_id=f"sms-dispatch-{campaign_id}-{int(when.timestamp())}")


def dispatch_campaign(campaign_id: int) -> dict:
    """Create missing message rows, resolve rows abandoned in `sending`, queue due batches, plan the next run."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.RUNNING.value or campaign.approval_state != "approved":
        return {"skipped": True}
    now = utcnow()
    schedule = Schedule.parse(campaign.schedule)
    created = 0
    if campaign.valid_until is None or now < campaign.valid_until:
        if schedule.mode is ScheduleMode.RECURRING:
            occ = schedule.occurrence(now, local_tz())
            if occ:
                created = dispatch.materialise(campaign, now=now, occurrence=occ[0], due=occ[1])
        elif schedule.mode is ScheduleMode.ARRIVAL or campaign.materialised_at is None:
            created = dispatch.materialise(campaign, now=now)
            if not schedule.ongoing:
                campaign.materialised_at = now  # one-off campaigns: the audience is fixed at the first run
                db.session.commit()
    recovered = dispatch.recover_stale(campaign_id, now)
    ids = dispatch.due_message_ids(campaign_id, now)
    size = int(current_app.config["SMS_BATCH_SIZE"])
    urgent = campaign.urgent
    for i in range(0, len(ids), size):
        _queue(urgent).enqueue(send_batch, campaign_id, ids[i:i + size])
    followup = dispatch.next_due(campaign_id)
    if schedule.mode is ScheduleMode.RECURRING:
        nxt = schedule.next_occurrence(now, local_tz())
        followup = min(followup, nxt) if followup else nxt
    elif schedule.mode is ScheduleMode.ARRIVAL:
        hourly = now + timedelta(hours=1)  # new arrivals keep coming in
        followup = min(followup, hourly) if followup else hourly
    if ids or dispatch.has_sending_rows(campaign_id):
        # Watchdog: if a worker dies mid-batch, this later run resolves its rows and sends the rest.
        lease = float(current_app.config["SMS_SENDING_LEASE_SECONDS"])
        watchdog = now + timedelta(seconds=lease + 5)
        followup = min(followup, watchdog) if followup and followup > now else watchdog
    if followup and followup > now:
        _schedule_followup(campaign_id, followup, urgent)
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


def import_contacts_job(name: str, region_path: str, source_name: str) -> dict:
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
    job = get_current_job()

    def progress(lines: int) -> None:
        if job is not None:
            job.meta.update(done=lines, total=0)
            job.save_meta()

    with uploads.claimed(name) as path, path.open(encoding="utf-8-sig", errors="replace") as handle:
        return import_suppression(handle, list_name, progress=progress)

"""RQ jobs of the SMS package: dispatching campaigns, the minute sweep, reconciliation, and importing
uploaded lists. They take plain ids, run inside the app context, and are idempotent. (The outbox's receipt
job lives with the outbox, in sms.gateways.outbox.)

Redis is never the only copy: a campaign's start, its follow-ups and its batches are RQ jobs for speed, but
what must be sent and when is in the database (rows with their due time; `Message.enqueued_at` says a batch
job holds a row). `SWEEP`, every minute on every worker's scheduler (signage.periodic: one job id per
minute) and once when a worker starts, dispatches every running campaign that has work the jobs in Redis do
not hold: not materialised yet, today's occurrence due, rows due and not in flight, rows stuck in `sending`.
Several sweeps and dispatches at once are safe: rows are handed out, claimed and moved by compare-and-set.
`RECONCILE` asks the gateway about messages whose status callbacks never came."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask, current_app
from rq import Retry, get_current_job
from sqlalchemy import select

from signage.extensions import db
from signage.periodic import Periodic, every, plan_on_worker_start
from signage.redis_client import URGENT_QUEUE, get_queue
from signage.timeutil import local_tz, utcnow
from sms import dispatch, uploads
from sms.compliance import CampaignKind
from sms.imports import import_suppression
from sms.models import Campaign, CampaignStatus
from sms.schedule import Schedule, ScheduleMode

log = logging.getLogger(__name__)

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
    if campaign.kind == CampaignKind.PROMOTIONAL and (problem := dispatch.promotional_sender_problem()):
        log.error("campaign %s not sent: %s", campaign_id, problem)
        return {"refused": problem}
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
    ids = dispatch.hand_out(campaign_id, now, dispatch.hand_out_limit())
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


# ------------------------------------------------------------------ the minute sweep and reconciliation

SWEEP = Periodic("sms-sweep", "sms.jobs.sweep_job", every(60), queue="high", slot="%Y%m%d%H%M",
                 description="sms: dispatch running campaigns with work no job holds")
RECONCILE = Periodic("sms-reconcile", "sms.jobs.reconcile_job", every(300), queue="low", slot="%Y%m%d%H%M",
                     description="sms: look up messages still 'sent' at the gateway")


def needs_dispatch(campaign: Campaign, now: datetime, *, force: bool = False) -> bool:
    """Whether a running campaign has work that no job in Redis may hold (see the module docstring).
    `force`: ongoing campaigns look for new recipients too (a worker start, the top of each hour)."""
    schedule = Schedule.parse(campaign.schedule)
    if campaign.valid_until is None or now < campaign.valid_until:
        if not schedule.ongoing and campaign.materialised_at is None:
            return True
        if schedule.mode is ScheduleMode.RECURRING:
            occ = schedule.occurrence(now, local_tz())
            if occ and not dispatch.has_occurrence(campaign.id, occ[0]):
                return True
        if schedule.mode is ScheduleMode.ARRIVAL and (force or now.astimezone(local_tz()).minute == 0):
            return True
    return dispatch.has_work(campaign.id, now)


def sweep(now: datetime, *, force: bool = False) -> dict[int, dict]:
    """Dispatch every running, approved campaign that needs it (`needs_dispatch`). Idempotent; safe on
    several workers at once. Returns what each dispatch did, by campaign id."""
    done = {}
    ids = list(db.session.scalars(select(Campaign.id).where(
        Campaign.status == CampaignStatus.RUNNING.value, Campaign.approval_state == "approved")
        .order_by(Campaign.id)))
    for cid in ids:
        campaign = db.session.get(Campaign, cid)
        if campaign is not None and needs_dispatch(campaign, now, force=force):
            done[cid] = dispatch_campaign(cid)
        db.session.expire_all()
    return done


def sweep_job() -> dict:
    return SWEEP.run(lambda: sweep(utcnow()))


def sweep_on_start() -> None:
    """A starting worker sweeps at once (ongoing campaigns too): after a restart nothing waits a minute. With
    RQ_SYNC (tests) nothing is queued, as signage.periodic plans nothing then."""
    queue = get_queue(SWEEP.queue)
    if not queue.is_async:
        return
    queue.enqueue(start_sweep_job, job_id=f"sms-sweep-start-{int(utcnow().timestamp())}",
                                   description="sms: sweep when a worker starts")


def start_sweep_job() -> dict:
    return sweep(utcnow(), force=True)


def reconcile_job() -> dict:
    return RECONCILE.run(lambda: dispatch.reconcile(utcnow()))


def init_periodic(app: Flask) -> None:
    plan_on_worker_start(app, SWEEP, RECONCILE, also=sweep_on_start)


def import_suppression_job(name: str, list_name: str) -> dict:
    job = get_current_job()

    def progress(lines: int) -> None:
        if job is not None:
            job.meta.update(done=lines, total=0)
            job.save_meta()

    with uploads.claimed(name) as path, path.open(encoding="utf-8-sig", errors="replace") as handle:
        return import_suppression(handle, list_name, progress=progress)

"""SMS for alerts, and emergency SMS to everyone in an area.

- `send_emergency`: the plain function other packages may call — an emergency (or public-service) campaign to
  every contact in a region's subtree, started at once.
- `on_alert` (receiver of `signage.signals.alert_raised` / `alert_updated`, wired in sms/wiring.py): when the
  alert says so (`send_sms`, its own property however it was raised), ONE campaign for the alert
  (`Campaign.alert_id`) to the contacts of its regions — emergency for an emergency, public service for an
  announcement or a correction — valid until the alert expires, sent first (sms.jobs: the alerts' own queue
  and workers; sms.throttle: the rate goes to alert SMS first; sms.dispatch: promotional messages to the same
  numbers wait until the alert's have gone). An update stops the unsent SMS of the alerts it replaces.
- `on_alert_cancelled` (receiver of `alert_cancelled`, for a cancel or an expiry): stops the alert's unsent SMS
  (queued → skipped "alert_cancelled", forward only) and answers with what it stopped and what had gone.
- `alert_progress` / `alert_panel`: the SMS progress of an alert, for its live board (`add_panel(app, "alert",
  ...)`: the alerts package shows it without importing us).

Alerts are approved by the alerts package's rules (an emergency by whoever may raise it, an announcement by a
second person), so their campaigns start approved; the campaign row is audited like every other change.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select, update

from signage.approval import ApprovalState
from signage.extensions import db
from signage.timeutil import utcnow
from sms.compliance import CampaignKind
from sms.models import Campaign, CampaignStatus, Message, MessageState

S = MessageState
#: How the board groups message states: not sent yet, in flight, gone, delivered, failed, stopped or refused.
PROGRESS = {
    "queued": (S.QUEUED,), "sending": (S.SENDING,), "sent": (S.SENT, S.UNKNOWN), "delivered": (S.DELIVERED,),
    "failed": (S.FAILED, S.UNDELIVERED), "stopped": (S.SKIPPED,),
}
GONE = (S.SENDING, S.SENT, S.UNKNOWN, S.DELIVERED, S.UNDELIVERED, S.FAILED)


def _start(campaign: Campaign) -> int:
    db.session.add(campaign)
    db.session.commit()
    from sms.jobs import start_campaign

    start_campaign(campaign.id, urgent=campaign.urgent)
    return campaign.id


def _approved_now(user_id: int | None, comment: str) -> dict:
    now = utcnow()
    return dict(approval_state=ApprovalState.APPROVED.value, reviewed_at=now, reviewed_by_id=user_id,
                submitted_by_id=user_id, submitted_at=now, review_comment=comment, status=CampaignStatus.RUNNING.value,
                started_at=now, created_by_id=user_id, schedule={"mode": "now"})


def send_emergency(region_id: int, messages: dict[str, str], *, name: str, user_id: int | None = None,
                   public_service: bool = False) -> int:
    """Create and start an emergency (or public-service) campaign to every contact in the region's subtree.
    `messages` needs "vi"; other languages are used for contacts who speak them. Returns the campaign id."""
    if not (messages.get("vi") or "").strip():
        raise ValueError("An emergency SMS needs a Vietnamese text.")
    return _start(Campaign(
        name=name[:200], region_id=region_id,
        kind=CampaignKind.PUBLIC_SERVICE.value if public_service else CampaignKind.EMERGENCY.value,
        messages={k: v for k, v in messages.items() if v and v.strip()}, audience={},
        **_approved_now(user_id, "emergency alert: approval not required")))


def send_for_alert(*, alert_id: int, owner_region_id: int, region_ids: list[int], messages: dict[str, str],
                   level: str, expires_at: datetime | None = None, user_id: int | None = None) -> int:
    """Start the campaign of an alert: the contacts of `region_ids` (subtrees) inside the owner region, once
    each; emergency kind for an emergency, public service otherwise. Returns the campaign id."""
    emergency = level == "emergency"
    with force_locale("vi"):  # a campaign's name is data, in the province's language (no request here, often)
        label = _("Emergency alert") if emergency else _("Public announcement")
    return _start(Campaign(
        name=f"{label} #{alert_id}", region_id=owner_region_id, alert_id=alert_id,
        kind=CampaignKind.EMERGENCY.value if emergency else CampaignKind.PUBLIC_SERVICE.value,
        messages={k: v for k, v in messages.items() if v and v.strip()}, audience={"region_ids": sorted(region_ids)},
        valid_until=expires_at, **_approved_now(user_id, "alert: approved under the alerts' rules")))


def on_alert(sender, *, alert_id: int, region_ids: list[int], messages: dict[str, str], send_sms: bool,
             level: str = "emergency", owner_region_id: int | None = None, expires_at: str | None = None,
             user_id: int | None = None, replaces: list[int] = (), **_ignored) -> list[int]:
    """Stop the unsent SMS of the alerts this one replaces; start this alert's campaign when it says so.
    Returns the campaign ids started. Exempt from the advertising rules, never from an opt-out of its kind
    (sms/compliance.py decides per contact)."""
    if replaces:
        stop_for_alerts(list(replaces))
    if not send_sms or not region_ids:
        return []
    until = datetime.fromisoformat(expires_at) if expires_at else None
    return [send_for_alert(alert_id=alert_id, owner_region_id=owner_region_id or region_ids[0], region_ids=region_ids,
                           messages=messages, level=level, expires_at=until, user_id=user_id)]


def on_alert_cancelled(sender, *, alert_id: int, **_ignored) -> dict:
    return stop_for_alerts([alert_id])


def stop_for_alerts(alert_ids: list[int]) -> dict:
    """Stop what the alerts' campaigns have not sent: queued → skipped ("alert_cancelled"), compare-and-set, so
    a message a worker is sending right now is not touched (it is reported as gone). The campaigns end as
    cancelled. Returns {"sms_stopped": n, "sms_sent": n} (sent: handed to the gateway, before or during)."""
    ids = list(db.session.scalars(select(Campaign.id).where(Campaign.alert_id.in_(alert_ids))))
    if not ids:
        return {"sms_stopped": 0, "sms_sent": 0}
    now = utcnow()
    stopped = db.session.execute(
        update(Message).where(Message.campaign_id.in_(ids), Message.state == S.QUEUED.value)
        .values(state=S.SKIPPED.value, skip_reason="alert_cancelled", final_at=now)
        .execution_options(synchronize_session=False)).rowcount
    for campaign in db.session.scalars(select(Campaign).where(Campaign.id.in_(ids),
                                                              Campaign.status == CampaignStatus.RUNNING.value)):
        campaign.status = CampaignStatus.CANCELLED.value
    db.session.commit()
    sent = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.campaign_id.in_(ids), Message.state.in_([s.value for s in GONE])))
    return {"sms_stopped": stopped, "sms_sent": sent or 0}


def alert_progress(alert_id: int) -> dict[str, int] | None:
    """The SMS of an alert by progress group (PROGRESS) plus "total"; None when it sent no SMS."""
    ids = list(db.session.scalars(select(Campaign.id).where(Campaign.alert_id == alert_id)))
    if not ids:
        return None
    by_state = dict(db.session.execute(select(Message.state, func.count()).where(
        Message.campaign_id.in_(ids)).group_by(Message.state)).all())
    progress = {group: sum(by_state.get(s.value, 0) for s in states) for group, states in PROGRESS.items()}
    progress["total"] = sum(by_state.values())
    return progress


def alert_panel(alert: dict) -> Markup:
    """The SMS part of an alert's live board: counts and a progress bar."""
    progress = alert_progress(alert["id"])
    return Markup(render_template("sms/_alert_progress.html", progress=progress))

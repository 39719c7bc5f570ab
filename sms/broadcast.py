"""Emergency SMS to everyone in an area: `send_emergency`, the plain function other packages may call, and
`on_alert`, the receiver of `signage.signals.alert_raised` / `alert_updated` (wired in sms/wiring.py) — an
alert raised in the operator UI or by a CAP feed goes out by SMS when its raiser asked (`send_sms`).
Emergency alerts raised by someone allowed to raise them skip approval; the campaign row is audited like
every other change."""

from __future__ import annotations

from flask_babel import gettext as _

from signage.approval import ApprovalState
from signage.extensions import db
from signage.timeutil import utcnow
from sms.models import Campaign, CampaignStatus


def send_emergency(region_id: int, messages: dict[str, str], *, name: str, user_id: int | None = None,
                   public_service: bool = False) -> int:
    """Create and start an emergency (or public-service) campaign to every contact in the region's subtree.
    `messages` needs "vi"; other languages are used for contacts who speak them. Returns the campaign id."""
    if not (messages.get("vi") or "").strip():
        raise ValueError("An emergency SMS needs a Vietnamese text.")
    now = utcnow()
    campaign = Campaign(
        name=name[:200], region_id=region_id, kind="public_service" if public_service else "emergency",
        messages={k: v for k, v in messages.items() if v and v.strip()}, audience={}, schedule={"mode": "now"},
        approval_state=ApprovalState.APPROVED.value, reviewed_at=now, reviewed_by_id=user_id,
        submitted_by_id=user_id, submitted_at=now, review_comment="emergency alert: approval not required",
        status=CampaignStatus.RUNNING.value, started_at=now, created_by_id=user_id)
    db.session.add(campaign)
    db.session.commit()
    from sms.jobs import start_campaign

    start_campaign(campaign.id)
    return campaign.id


def on_alert(sender, *, alert_id: int, region_ids: list[int], messages: dict[str, str], send_sms: bool,
             user_id: int | None = None, **_ignored) -> list[int]:
    """One emergency campaign per region of the alert, when its raiser asked for SMS; returns the campaign ids.
    Exempt from the advertising rules, never from an emergency opt-out (sms/compliance.py decides per contact)."""
    if not send_sms:
        return []
    name = f"{_('Emergency alert')} #{alert_id}"
    return [send_emergency(region_id, messages, name=name, user_id=user_id) for region_id in region_ids]

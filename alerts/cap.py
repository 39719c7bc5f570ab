"""CAP 1.2 (OASIS Common Alerting Protocol) as a source of emergency alerts: pushed, or polled from a feed.

A warning system POSTs a CAP message to `/api/alerts/cap` with `Authorization: Bearer <ALERTS_CAP_TOKEN>`, or
publishes it in an Atom/RSS feed that `alerts.feed` polls (ALERTS_CAP_FEED_URL); both end in `apply`.
Only `status` Actual is put on air. `msgType` Alert raises an alert, Update replaces the alerts it references
(`alerts.service.update_alert`: one commit, so the screens never drop the warning in between), Cancel cancels
them (which stops their unsent SMS). Each `<info>` gives the message in its language (headline and
description). `<expires>` (the earliest of the infos) ends the alert by itself; a message already expired is
ignored. `<area>`s name our regions through the admins' table (`CapAreaMapping`: a geocode value or an area
name → a region), a geocode that is one of our region codes, or an area name that is one of our region names
(`alerts.rules.cap_regions`); a message naming areas of which none is ours is ignored, one without any area
covers ALERTS_CAP_REGION (default: the root region). Whether it also goes out by SMS is the admins' CAP rules
(`CapSmsRule`; without a rule: extreme and severe do). A message that was already received (same sender,
identifier and sent time) changes nothing.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy import select

from alerts import rules
from alerts.models import CapAreaMapping, CapSmsRule, EmergencyAlert, Level, Severity
from alerts.service import AlertError, cancel_alert, update_alert
from signage.extensions import csrf, db
from signage.models import Region
from signage.timeutil import utcnow

NS = "{urn:oasis:names:tc:emergency:cap:1.2}"
MAX_BYTES = 256 * 1024
SEVERITIES = {"Extreme": Severity.EXTREME.value, "Severe": Severity.SEVERE.value}
RANK = [Severity.EXTREME.value, Severity.SEVERE.value, Severity.MODERATE.value]

bp = Blueprint("alert_cap", __name__)


class CapError(ValueError):
    """The document is not a CAP 1.2 alert this controller can use."""


def _text(node, tag: str) -> str:
    found = node.find(NS + tag)
    return (found.text or "").strip() if found is not None and found.text else ""


def reference(sender: str, identifier: str, sent: str) -> str:
    return f"{sender},{identifier},{sent}"


def _time(value: str) -> datetime | None:
    """A CAP dateTime ("2026-11-23T16:00:00+07:00"); None when missing or without an offset."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse(xml: bytes) -> dict:
    """The fields we use from a CAP 1.2 document (raises CapError)."""
    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise CapError(f"not well-formed or unsafe XML: {exc}") from exc
    return parse_element(root)


def parse_element(root) -> dict:
    """As `parse`, for an <alert> element already parsed (a feed entry carrying it inline)."""
    if root.tag != NS + "alert":
        raise CapError("not a CAP 1.2 <alert>")
    sender, identifier, sent = _text(root, "sender"), _text(root, "identifier"), _text(root, "sent")
    if not (sender and identifier and sent):
        raise CapError("identifier, sender and sent are required")
    messages: dict[str, str] = {}
    severity = Severity.MODERATE.value
    areas: list[dict] = []
    expiries: list[datetime] = []
    for info in root.findall(NS + "info"):
        lang = (_text(info, "language") or "en-US").split("-")[0].lower()
        text = " — ".join(t for t in (_text(info, "headline"), _text(info, "description")) if t)
        if text and lang not in messages:
            messages[lang] = text[:500]
        candidate = SEVERITIES.get(_text(info, "severity"), Severity.MODERATE.value)
        if RANK.index(candidate) < RANK.index(severity):
            severity = candidate
        expires = _time(_text(info, "expires"))
        if expires is not None:
            expiries.append(expires)
        for area in info.findall(NS + "area"):
            geocodes = [_text(geocode, "value") for geocode in area.findall(NS + "geocode")]
            entry = {"desc": _text(area, "areaDesc"), "geocodes": [v for v in geocodes if v]}
            if entry not in areas:
                areas.append(entry)
    refs = [r for r in _text(root, "references").split() if r]
    return {
        "reference": reference(sender, identifier, sent), "sender": sender, "identifier": identifier,
        "status": _text(root, "status"), "msg_type": _text(root, "msgType"), "references": refs,
        "messages": messages, "severity": severity, "areas": areas,
        "expires": min(expiries) if expiries else None,
    }


def _owner_region() -> Region:
    code = current_app.config.get("ALERTS_CAP_REGION")
    query = select(Region).where(Region.code == code) if code else select(Region).where(Region.parent_id.is_(None))
    region = db.session.scalars(query.order_by(Region.id)).first()
    if region is None:
        raise CapError("no region to raise CAP alerts for (set ALERTS_CAP_REGION)")
    return region


def target_regions(areas: list[dict], owner: Region) -> list[Region]:
    """Our regions (inside `owner`) that the CAP areas name."""
    regions = list(db.session.scalars(select(Region).where(Region.path.startswith(owner.path))))
    mappings = db.session.execute(select(CapAreaMapping.match, CapAreaMapping.value, CapAreaMapping.region_id))
    ids = rules.cap_regions(areas, [tuple(m) for m in mappings], {r.code: r.id for r in regions},
                            {rules.normalise_area(r.name): r.id for r in regions})
    by_id = {r.id: r for r in regions}
    return [by_id[i] for i in ids if i in by_id]


def sends_sms(severity: str, regions: list[Region]) -> bool:
    """The admins' CAP SMS rules (`rules.cap_sends_sms`) for an alert of `severity` in `regions`."""
    rows = db.session.execute(select(CapSmsRule.severity, Region.path, CapSmsRule.send_sms)
                              .outerjoin(Region, Region.id == CapSmsRule.region_id))
    return rules.cap_sends_sms(severity, [r.path for r in regions],
                               [rules.SmsRule(sev, path, send) for sev, path, send in rows])


def apply(cap: dict) -> dict:
    """Put a parsed CAP message into effect; returns what happened."""
    if cap["status"] != "Actual":
        return {"result": "ignored", "why": f"status {cap['status'] or 'missing'}"}
    if db.session.scalar(select(EmergencyAlert.id).where(EmergencyAlert.cap_reference == cap["reference"])):
        return {"result": "duplicate"}
    # An Alert's references are only informative (CAP 1.2 §3.2.1): only Update and Cancel act on them.
    refs = cap["references"] if cap["msg_type"] in ("Update", "Cancel") else []
    referenced = [alert for ref in refs
                  for alert in db.session.scalars(select(EmergencyAlert).where(EmergencyAlert.cap_reference == ref))]
    cancelled = [alert.id for alert in referenced]
    if cap["msg_type"] == "Cancel":
        report: dict = {}
        for alert in referenced:
            report.update(cancel_alert(alert) or {})
        return {"result": "cancelled", "alerts": cancelled, **report}
    if cap["msg_type"] not in ("Alert", "Update"):
        return {"result": "ignored", "why": f"msgType {cap['msg_type'] or 'missing'}"}
    if cap["expires"] is not None and cap["expires"] <= utcnow():
        return {"result": "ignored", "why": "expired"}
    owner = _owner_region()
    messages = dict(cap["messages"])
    if not messages:
        raise CapError("no <info> with a headline or description")
    messages.setdefault("vi", next(iter(messages.values())))
    regions = target_regions(cap["areas"], owner) if cap["areas"] else [owner]
    if not regions:
        return {"result": "ignored", "why": "no area of ours"}
    alert = update_alert(referenced, region_id=owner.id, messages=messages, level=Level.EMERGENCY.value,
                         severity=cap["severity"], target_region_ids=[r.id for r in regions], source="cap",
                         cap_reference=cap["reference"], expires_at=cap["expires"],
                         send_sms=sends_sms(cap["severity"], regions))
    return {"result": "raised", "alert": alert.id, "cancelled": cancelled, "sms": alert.send_sms}


def receive_document(xml: bytes, via: str) -> dict:
    """Parse and apply one CAP document as the given source ("cap:<sender>" in the audit log)."""
    cap = parse(xml)
    g.audit_actor = (None, f"{via}:{cap['sender']}"[:80])
    return apply(cap)


@bp.post("/api/alerts/cap")
def receive():
    token = current_app.config.get("ALERTS_CAP_TOKEN") or ""
    given = request.headers.get("Authorization", "")[7:].strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return jsonify(error="unauthorised"), 401
    if (request.content_length or 0) > MAX_BYTES:
        return jsonify(error="too large"), 413
    try:
        return jsonify(receive_document(request.get_data(cache=False)[:MAX_BYTES + 1], "cap"))
    except (CapError, AlertError) as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 422


def init_app(app: Flask) -> None:
    """The endpoint; ALERTS_CAP_TOKEN and ALERTS_CAP_REGION are declared in alerts/settings.py."""
    csrf.exempt(bp)
    app.register_blueprint(bp)

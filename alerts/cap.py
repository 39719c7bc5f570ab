"""CAP 1.2 (OASIS Common Alerting Protocol) as a source of emergency alerts.

A warning system POSTs a CAP message to `/api/alerts/cap` with `Authorization: Bearer <ALERTS_CAP_TOKEN>`.
Only `status` Actual is put on air. `msgType` Alert raises an alert, Update replaces the alerts it references
(`alerts.service.update_alert`: one commit, so the screens never drop the warning in between), Cancel cancels
them. Extreme and Severe alerts (and their updates) also go out by SMS (`alerts.service.SMS_SEVERITIES`; the SMS
package acts on the signal). Each `<info>` gives the message in its language (headline and description); `<area>`
geocodes whose value is a region code target that region, otherwise the whole ALERTS_CAP_REGION (default: the
root region). A message that was already received (same sender, identifier and sent time) changes nothing.
"""

from __future__ import annotations

import hmac

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy import select

from alerts.models import EmergencyAlert, Severity
from alerts.service import AlertError, cancel_alert, should_sms_cap, update_alert
from signage.extensions import csrf, db
from signage.models import Region

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


def parse(xml: bytes) -> dict:
    """The fields we use from a CAP 1.2 document (raises CapError)."""
    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise CapError(f"not well-formed or unsafe XML: {exc}") from exc
    if root.tag != NS + "alert":
        raise CapError("not a CAP 1.2 <alert>")
    sender, identifier, sent = _text(root, "sender"), _text(root, "identifier"), _text(root, "sent")
    if not (sender and identifier and sent):
        raise CapError("identifier, sender and sent are required")
    messages: dict[str, str] = {}
    severity = Severity.MODERATE.value
    area_codes: list[str] = []
    for info in root.findall(NS + "info"):
        lang = (_text(info, "language") or "en-US").split("-")[0].lower()
        text = " — ".join(t for t in (_text(info, "headline"), _text(info, "description")) if t)
        if text and lang not in messages:
            messages[lang] = text[:500]
        candidate = SEVERITIES.get(_text(info, "severity"), Severity.MODERATE.value)
        if RANK.index(candidate) < RANK.index(severity):
            severity = candidate
        for area in info.findall(NS + "area"):
            for geocode in area.findall(NS + "geocode"):
                value = _text(geocode, "value")
                if value and value not in area_codes:
                    area_codes.append(value)
    refs = [r for r in _text(root, "references").split() if r]
    return {
        "reference": reference(sender, identifier, sent), "sender": sender, "status": _text(root, "status"),
        "msg_type": _text(root, "msgType"), "references": refs, "messages": messages, "severity": severity,
        "area_codes": area_codes,
    }


def _owner_region() -> Region:
    code = current_app.config.get("ALERTS_CAP_REGION")
    query = select(Region).where(Region.code == code) if code else select(Region).where(Region.parent_id.is_(None))
    region = db.session.scalars(query.order_by(Region.id)).first()
    if region is None:
        raise CapError("no region to raise CAP alerts for (set ALERTS_CAP_REGION)")
    return region


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
        for alert in referenced:
            cancel_alert(alert)
        return {"result": "cancelled", "alerts": cancelled}
    if cap["msg_type"] not in ("Alert", "Update"):
        return {"result": "ignored", "why": f"msgType {cap['msg_type'] or 'missing'}"}
    owner = _owner_region()
    messages = dict(cap["messages"])
    if not messages:
        raise CapError("no <info> with a headline or description")
    messages.setdefault("vi", next(iter(messages.values())))
    targets = [r.id for r in db.session.scalars(select(Region).where(Region.code.in_(cap["area_codes"])))
               if owner.contains(r)] if cap["area_codes"] else []
    alert = update_alert(referenced, region_id=owner.id, messages=messages,
                         severity=cap["severity"], target_region_ids=targets or [owner.id], source="cap",
                         cap_reference=cap["reference"], send_sms=should_sms_cap(cap["severity"]))
    return {"result": "raised", "alert": alert.id, "cancelled": cancelled}


@bp.post("/api/alerts/cap")
def receive():
    token = current_app.config.get("ALERTS_CAP_TOKEN") or ""
    given = request.headers.get("Authorization", "")[7:].strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return jsonify(error="unauthorised"), 401
    if (request.content_length or 0) > MAX_BYTES:
        return jsonify(error="too large"), 413
    try:
        cap = parse(request.get_data(cache=False)[:MAX_BYTES + 1])
        g.audit_actor = (None, f"cap:{cap['sender']}"[:80])
        return jsonify(apply(cap))
    except (CapError, AlertError) as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 422


def init_app(app: Flask) -> None:
    """The endpoint; ALERTS_CAP_TOKEN and ALERTS_CAP_REGION are declared in alerts/settings.py."""
    csrf.exempt(bp)
    app.register_blueprint(bp)

"""Twilio webhooks: status callbacks (drive the forward-only state machine) and inbound messages (opt-out
keywords, confirmed in the TwiML answer). Every request must carry a valid X-Twilio-Signature; forged ones
get 403 and change nothing."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from markupsafe import escape
from twilio.request_validator import RequestValidator

from signage.extensions import csrf
from sms.optouts import handle_reply, refusal_confirmation
from sms.phones import try_normalize
from sms.status import record_status

bp = Blueprint("sms_webhooks", __name__, url_prefix="/sms/webhooks")
csrf.exempt(bp)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
REPLY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>{}</Message></Response>'


def candidate_urls() -> list[str]:
    """The URL Twilio signed: as this request sees it (ProxyFix applies X-Forwarded-*), and as the public
    base URL says (correct behind a proxy that rewrites the host or scheme)."""
    query = request.query_string.decode()
    path = request.path + (f"?{query}" if query else "")
    urls = [request.url, current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path]
    proto = request.headers.get("X-Forwarded-Proto")
    host = request.headers.get("X-Forwarded-Host")
    if proto and host:
        urls.append(f"{proto.split(',')[0].strip()}://{host.split(',')[0].strip()}{path}")
    return list(dict.fromkeys(urls))


def signature_valid() -> bool:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    params = request.form.to_dict(flat=True)
    return any(validator.validate(url, params, signature) for url in candidate_urls())


def reported_price(text: str | None) -> float | None:
    """Twilio's `Price` ("-0.08500", negative: a charge) as a positive amount; None when it gave none."""
    try:
        return abs(float(text)) if text not in (None, "") else None
    except ValueError:
        return None


@bp.post("/twilio/status")
def twilio_status():
    if not signature_valid():
        current_app.logger.warning("Rejected Twilio status callback with a bad signature from %s",
                                   request.remote_addr)
        abort(403)
    # Twilio's status map lives with its gateway, whose module loads the Twilio SDK: imported on the first
    # callback (only a Twilio deployment gets one), so an outbox deployment never loads the SDK.
    from sms.gateways.twilio_gateway import message_state

    mid = request.args.get("mid", type=int)
    record_status(mid, message_state(request.form.get("MessageStatus")), sid=request.form.get("MessageSid", ""),
                  error_code=request.form.get("ErrorCode", "") or "", price=reported_price(request.form.get("Price")))
    return Response(status=204)


@bp.post("/twilio/inbound")
def twilio_inbound():
    """An inbound reply: a refusal keyword opts the number out and is confirmed in the TwiML answer (Twilio
    sends it back to the phone; its own STOP words it confirms itself)."""
    if not signature_valid():
        abort(403)
    sender = request.form.get("From", "")
    word = handle_reply(sender, request.form.get("Body", ""), source="keyword")
    phone = try_normalize(sender)
    text = refusal_confirmation(phone, word) if word and phone else None
    if text is None:
        return Response(EMPTY_TWIML, mimetype="text/xml")
    return Response(REPLY_TWIML.format(escape(text)), mimetype="text/xml")

"""SMS gateways: Twilio (the real client) and the local outbox used when no credentials are configured."""

from __future__ import annotations

from flask import current_app

from sms.gateways.base import AmbiguousSend, Gateway, GatewayError, OutgoingSms, SendResult

__all__ = ["AmbiguousSend", "Gateway", "GatewayError", "OutgoingSms", "SendResult", "get_gateway"]


def get_gateway() -> Gateway:
    """The configured gateway (one per app; the Twilio client keeps its HTTP connection pool)."""
    ext = current_app.extensions
    if "sms_gateway" not in ext:
        name = current_app.config["SMS_GATEWAY"]
        if name == "twilio":
            from sms.gateways.twilio_gateway import TwilioGateway

            ext["sms_gateway"] = TwilioGateway.from_config(current_app.config)
        elif name == "outbox":
            from sms.gateways.outbox import OutboxGateway

            ext["sms_gateway"] = OutboxGateway(sender=current_app.config.get("TWILIO_FROM") or "OUTBOX")
        else:
            raise RuntimeError(f"SMS_GATEWAY must be 'twilio' or 'outbox', not {name!r}")
    return ext["sms_gateway"]

"""SMS gateways: Twilio (the real client) and the local outbox used when no credentials are configured.
`get_gateway` picks one from SMS_GATEWAY; the rest of the package talks to the `Gateway` protocol."""

from __future__ import annotations

from flask import current_app

from sms.gateways.base import AmbiguousSend, Gateway, GatewayError, LookupUnavailable, OutgoingSms, SendResult
from sms.gateways.outbox import OutboxGateway

__all__ = ["AmbiguousSend", "Gateway", "GatewayError", "LookupUnavailable", "OutgoingSms", "SendResult",
           "get_gateway"]


def get_gateway() -> Gateway:
    """The configured gateway (one per app; the Twilio client keeps its HTTP connection pool)."""
    ext = current_app.extensions
    if "sms_gateway" not in ext:
        name = current_app.config["SMS_GATEWAY"]
        if name == "twilio":
            # Imported here, where the gateway is chosen, and nowhere else on the send or status path: the
            # Twilio SDK (~280 modules with requests) is the heaviest import of the package and an outbox process
            # never needs it. Not a cycle dodge: tests/sms/test_import_graph.py counts this edge too.
            from sms.gateways.twilio_gateway import TwilioGateway

            ext["sms_gateway"] = TwilioGateway.from_config(current_app.config)
        elif name == "outbox":
            ext["sms_gateway"] = OutboxGateway(sender=current_app.config.get("TWILIO_FROM") or "OUTBOX")
        else:
            raise RuntimeError(f"SMS_GATEWAY must be 'twilio' or 'outbox', not {name!r}")
    return ext["sms_gateway"]

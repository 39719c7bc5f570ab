"""The `sms` package: contacts & consent, audiences, campaigns, Vietnam's compliance rules, encoding,
gateways (Twilio; a local outbox), throttled dispatch and webhooks. `init_app` wires it into the app."""

from flask import Flask


def init_app(app: Flask) -> None:
    from sms import models  # noqa: F401 - tables in the metadata
    from sms.settings import init_settings

    init_settings(app)
    try:
        from sms.wiring import wire
    except ImportError:  # pragma: no cover - views not written yet
        return
    wire(app)

"""The `sms` package: contacts & consent, audiences, campaigns, Vietnam's compliance rules, encoding,
gateways (Twilio; a local outbox), throttled dispatch and webhooks. `init_app` wires it into the app."""

from flask import Flask


def init_app(app: Flask) -> None:
    from sms import models  # noqa: F401 - tables in the metadata
    from sms.settings import init_settings
    from sms.wiring import wire

    init_settings(app)
    wire(app)

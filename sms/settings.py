"""SMS configuration (environment variables, with defaults that work locally without any account)."""

from __future__ import annotations

import os

from flask import Flask

DEFAULTS: dict[str, str] = {
    "SMS_GATEWAY": "",  # "twilio" | "outbox"; empty = twilio when credentials are set, else outbox
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_MESSAGING_SERVICE_SID": "",
    "TWILIO_FROM": "",  # +E.164 number or registered alphanumeric sender ID (brandname)
    "TWILIO_API_BASE": "",  # only to point the client at a stand-in (tests, benches)
    "SMS_RATE_MPS": "10",  # messages per second per sender
    "SMS_RATE_SPS": "30",  # segments per second per sender
    "SMS_RATE_BURST": "1",  # messages the bucket may hold
    "SMS_THROTTLE": "1",
    "SMS_DAILY_CAP": "3",  # promotional messages per number per rolling 24 h
    "SMS_PRICE_PER_SEGMENT": "0.0850",
    "SMS_CURRENCY": "USD",
    "SMS_OPTOUT_KEYWORDS": "TC,HUY,HỦY,STOP,STOPALL,UNSUBSCRIBE,CANCEL,END,QUIT,DUNG,TUCHOI",
    "SMS_SENDING_LEASE_SECONDS": "120",  # a row in `sending` older than this is resolved by recovery
    "SMS_MAX_ATTEMPTS": "5",  # HTTP attempts per message on 429/5xx
    "SMS_RETRY_BASE_SECONDS": "1",
    "SMS_BATCH_SIZE": "100",
    "SMS_HTTP_TIMEOUT": "10",
    "SMS_OTP_TTL_SECONDS": "600",
    "SMS_OTP_MAX_ATTEMPTS": "5",
    "SMS_OTP_PER_PHONE_PER_HOUR": "3",
    "SMS_OTP_GLOBAL_PER_HOUR": "300",  # all opt-in codes together (guards against SMS pumping)
    "SMS_OTP_PER_IP": "10 per hour",
}

NUMERIC = {k for k, v in DEFAULTS.items() if v.replace(".", "", 1).isdigit()}


def init_settings(app: Flask) -> None:
    for key, default in DEFAULTS.items():
        value = app.config.get(key, os.environ.get(key, default))
        if key in NUMERIC and isinstance(value, str):
            value = float(value) if "." in value else int(value)
        app.config[key] = value
    if not app.config["SMS_GATEWAY"]:
        has_credentials = app.config["TWILIO_ACCOUNT_SID"] and app.config["TWILIO_AUTH_TOKEN"]
        app.config["SMS_GATEWAY"] = "twilio" if has_credentials else "outbox"
    public = str(app.config.get("PUBLIC_BASE_URL", ""))
    if app.config["SMS_GATEWAY"] == "twilio" and ("127.0.0.1" in public or "localhost" in public):
        app.logger.warning("PUBLIC_BASE_URL is %s: opt-out links in SMS and Twilio's status callbacks will not "
                           "reach this server. Set PUBLIC_BASE_URL to the public https address.", public)


def optout_keywords(app_config) -> set[str]:
    return {k.strip().upper() for k in str(app_config["SMS_OPTOUT_KEYWORDS"]).split(",") if k.strip()}

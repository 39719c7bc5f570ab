"""SMS configuration (environment variables, with defaults that work locally without any account)."""

from __future__ import annotations

from flask import Flask

from signage.settings import Setting, parse_boolean

SETTINGS = (
    Setting("SMS_GATEWAY", "", help='"twilio" | "outbox"; empty: twilio when credentials are set, else outbox'),
    Setting("TWILIO_ACCOUNT_SID", ""),
    Setting("TWILIO_AUTH_TOKEN", ""),
    Setting("TWILIO_MESSAGING_SERVICE_SID", ""),
    Setting("TWILIO_FROM", "", help="+E.164 number or registered alphanumeric sender ID (brandname)"),
    Setting("TWILIO_API_BASE", "", help="only to point the client at a stand-in (tests, benches)"),
    Setting("SMS_RATE_MPS", 10.0, float, "messages per second per sender"),
    Setting("SMS_RATE_SPS", 30.0, float, "segments per second per sender"),
    Setting("SMS_RATE_BURST", 1, int, "messages the bucket may hold"),
    Setting("SMS_THROTTLE", True, parse_boolean, "off: no token bucket (benches only)"),
    Setting("SMS_DAILY_CAP", 3, int, "promotional messages per number per rolling 24 h (Decree 91)"),
    Setting("SMS_PRICE_PER_SEGMENT", 0.085, float, "cost estimate shown before sending"),
    Setting("SMS_CURRENCY", "USD"),
    Setting("SMS_OPTOUT_KEYWORDS", "TC,HUY,HỦY,STOP,STOPALL,UNSUBSCRIBE,CANCEL,END,QUIT,DUNG,TUCHOI",
            help="inbound replies that opt a number out (comma-separated)"),
    Setting("SMS_SENDING_LEASE_SECONDS", 120, int, "a row in `sending` older than this is resolved by recovery"),
    Setting("SMS_MAX_ATTEMPTS", 5, int, "HTTP attempts per message on 429/5xx"),
    Setting("SMS_RETRY_BASE_SECONDS", 1.0, float),
    Setting("SMS_BATCH_SIZE", 100, int),
    Setting("SMS_HTTP_TIMEOUT", 10.0, float),
    Setting("SMS_OTP_TTL_SECONDS", 600, int),
    Setting("SMS_OTP_MAX_ATTEMPTS", 5, int),
    Setting("SMS_OTP_PER_PHONE_PER_HOUR", 3, int),
    Setting("SMS_OTP_GLOBAL_PER_HOUR", 300, int, "all opt-in codes together (guards against SMS pumping)"),
    Setting("SMS_OTP_PER_IP", "10 per hour"),
)


def init_settings(app: Flask) -> None:
    """Values derived from the settings (read by the app factory): the gateway when none is named."""
    if not app.config["SMS_GATEWAY"]:
        has_credentials = app.config["TWILIO_ACCOUNT_SID"] and app.config["TWILIO_AUTH_TOKEN"]
        app.config["SMS_GATEWAY"] = "twilio" if has_credentials else "outbox"
    public = str(app.config.get("PUBLIC_BASE_URL", ""))
    if app.config["SMS_GATEWAY"] == "twilio" and ("127.0.0.1" in public or "localhost" in public):
        app.logger.warning("PUBLIC_BASE_URL is %s: opt-out links in SMS and Twilio's status callbacks will not "
                           "reach this server. Set PUBLIC_BASE_URL to the public https address.", public)


def optout_keywords(app_config) -> set[str]:
    return {k.strip().upper() for k in str(app_config["SMS_OPTOUT_KEYWORDS"]).split(",") if k.strip()}

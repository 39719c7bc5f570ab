"""SMS configuration (environment variables, with defaults that work locally without any account)."""

from __future__ import annotations

from flask import Flask

from signage.settings import Setting, parse_boolean

#: How a promotional text says to refuse (SMS_OPTOUT_METHOD; sms.compliance.with_optout).
OPTOUT_METHODS = ("link", "keyword", "both")

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
    Setting("SMS_VND_PER_USD", 26000.0, float, "VND per USD, for the VND cost shown beside a USD estimate; 0 hides it"),
    Setting("SMS_OPTOUT_KEYWORDS", "TC,HUY,HỦY,STOP,STOPALL,UNSUBSCRIBE,CANCEL,END,QUIT,DUNG,DỪNG,TUCHOI,TỪCHỐI",
            help="inbound replies that opt a number out (comma-separated; a reply typed with diacritics "
                 "must carry a keyword's own)"),
    Setting("SMS_OPTOUT_METHOD", "link", help='"link" | "keyword" | "both": how a promotional text says to refuse'),
    Setting("SMS_OPTOUT_INSTRUCTION", "",
            help='the keyword instruction printed in promotional texts, e.g. "Soạn TC gửi BINHTHUAN"'),
    Setting("SMS_OPTOUT_CONFIRM", True, parse_boolean, "answer a refusal keyword with a confirmation SMS"),
    Setting("SMS_BRANDNAME", "", help="registered alphanumeric sender ID: once set, promotional SMS go only from it"),
    Setting("SMS_SENDING_LEASE_SECONDS", 120, int, "a row in `sending` older than this is resolved by recovery"),
    Setting("SMS_INFLIGHT_SECONDS", 120, int, "a row handed to a batch job and not sent by then is handed out again"),
    Setting("SMS_RECONCILE_AFTER_MINUTES", 30.0, float, "a message still `sent` this long is looked up at the gateway"),
    Setting("SMS_MAX_ATTEMPTS", 5, int, "HTTP attempts per promotional message on 429/5xx"),
    Setting("SMS_RETRY_BASE_SECONDS", 1.0, float),
    Setting("SMS_RETRY_MAX_SECONDS", 300.0, float, "longest wait between two attempts (the backoff's ceiling)"),
    Setting("SMS_URGENT_RETRY_HOURS", 6.0, float, "emergency and public-service SMS retry this long"),
    Setting("SMS_UNREACHABLE_AFTER", 2, int, "30005/30006 answers after which a number gets no more SMS"),
    Setting("SMS_BATCH_SIZE", 100, int),
    Setting("SMS_HTTP_TIMEOUT", 10.0, float),
    Setting("SMS_OTP_TTL_SECONDS", 600, int),
    Setting("SMS_OTP_MAX_ATTEMPTS", 5, int),
    Setting("SMS_OTP_PER_PHONE_PER_HOUR", 3, int),
    Setting("SMS_OTP_GLOBAL_PER_HOUR", 300, int, "all opt-in codes together (guards against SMS pumping)"),
    Setting("SMS_OTP_PER_IP", "10 per hour"),
)


def init_settings(app: Flask) -> None:
    """Values derived from the settings (read by the app factory): the gateway when none is named; the opt-out
    method checked."""
    if not app.config["SMS_GATEWAY"]:
        has_credentials = app.config["TWILIO_ACCOUNT_SID"] and app.config["TWILIO_AUTH_TOKEN"]
        app.config["SMS_GATEWAY"] = "twilio" if has_credentials else "outbox"
    if app.config["SMS_OPTOUT_METHOD"] not in OPTOUT_METHODS:
        raise ValueError(f"SMS_OPTOUT_METHOD must be one of {', '.join(OPTOUT_METHODS)}, "
                         f"not {app.config['SMS_OPTOUT_METHOD']!r}")
    if app.config["SMS_OPTOUT_METHOD"] != "link" and not str(app.config["SMS_OPTOUT_INSTRUCTION"]).strip():
        app.logger.warning("SMS_OPTOUT_METHOD is %s but SMS_OPTOUT_INSTRUCTION is empty: promotional SMS keep "
                           "the opt-out link.", app.config["SMS_OPTOUT_METHOD"])
    public = str(app.config.get("PUBLIC_BASE_URL", ""))
    if app.config["SMS_GATEWAY"] == "twilio" and ("127.0.0.1" in public or "localhost" in public):
        app.logger.warning("PUBLIC_BASE_URL is %s: opt-out links in SMS and Twilio's status callbacks will not "
                           "reach this server. Set PUBLIC_BASE_URL to the public https address.", public)



"""Turning a campaign's text into the exact message one contact receives."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from sms.compliance import CampaignKind, promotional_text
from sms.encoding import unaccent

SUPPORTED_LANGUAGES = ("vi", "en", "ru", "zh", "ko")


def _sign(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"sms-optout:{value}".encode(), hashlib.sha256).hexdigest()[:10]


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def optout_token(contact_id: int) -> str:
    ident = _b36(contact_id)
    return f"{ident}-{_sign(ident)}"


def contact_from_token(token: str) -> int | None:
    ident, _, sig = token.partition("-")
    if not ident or not hmac.compare_digest(sig, _sign(ident)):
        return None
    try:
        return int(ident, 36)
    except ValueError:
        return None


def optout_link(contact_id: int) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/sms/o/{optout_token(contact_id)}"


def pick_language(messages: dict, contact_language: str) -> str:
    return contact_language if messages.get(contact_language, "").strip() else "vi"


def render_body(kind: str, template: str, language: str, *, name: str = "", event: str = "",
                optout: str = "", unaccented: bool = False) -> str:
    text = template.replace("{name}", name).replace("{event}", event)
    if unaccented and language == "vi":
        text = unaccent(text)
    if kind == CampaignKind.PROMOTIONAL:
        return promotional_text(text, language, optout)
    return text.replace("{optout}", optout)

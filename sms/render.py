"""Turning a campaign's text into the exact message one contact receives."""

from __future__ import annotations

from flask import current_app

from signage import signing
from signage.languages import has_unaccented_variant
from sms.compliance import CampaignKind, promotional_text
from sms.encoding import unaccent


def _encode(digest: bytes) -> str:
    return digest.hex()[:10]


def optout_token(contact_id: int) -> str:
    ident = signing.base36(contact_id)
    return f"{ident}-{_encode(signing.digest(f'sms-optout:{ident}'))}"


def contact_from_token(token: str) -> int | None:
    ident, _, sig = token.partition("-")
    if not signing.is_base36(ident) or not signing.matches(f"sms-optout:{ident}", sig, _encode):
        return None
    return int(ident, 36)


def optout_link(contact_id: int) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/sms/o/{optout_token(contact_id)}"


def pick_language(messages: dict, contact_language: str) -> str:
    return contact_language if messages.get(contact_language, "").strip() else "vi"


def render_body(kind: str, template: str, language: str, *, name: str = "", event: str = "",
                optout: str = "", unaccented: bool = False) -> str:
    text = template.replace("{name}", name).replace("{event}", event)
    if unaccented and has_unaccented_variant(language):
        text = unaccent(text)
    if kind == CampaignKind.PROMOTIONAL:
        cfg = current_app.config  # how the province says to refuse: the link, a keyword instruction, or both
        return promotional_text(text, language, optout, instruction=cfg["SMS_OPTOUT_INSTRUCTION"],
                                method=cfg["SMS_OPTOUT_METHOD"])
    return text.replace("{optout}", optout)

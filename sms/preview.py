"""What operators see before sending: recipients after every filter, encoding and segments per language,
estimated cost, and the unaccented variant when it saves segments."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from signage.languages import has_unaccented_variant
from sms import audience
from sms.encoding import SmsInfo, analyse, unaccented_offer
from sms.render import optout_link, pick_language, render_body


@dataclass
class LanguagePreview:
    language: str
    recipients: int
    sample: str
    info: SmsInfo
    unaccented: tuple[str, SmsInfo] | None
    cost: float


@dataclass
class Preview:
    steps: list[audience.StepCount]
    languages: list[LanguagePreview]
    total_recipients: int
    total_segments: int
    total_cost: float
    currency: str


def build_preview(campaign, *, now) -> Preview:
    cfg = current_app.config
    price = float(cfg["SMS_PRICE_PER_SEGMENT"])
    steps = audience.preview_counts(campaign, now=now, cap=int(cfg["SMS_DAILY_CAP"]))
    per_contact_language = audience.language_counts(campaign, now=now)
    messages = {k: v for k, v in (campaign.messages or {}).items() if v and v.strip()}
    by_language: dict[str, int] = {}
    for lang, n in per_contact_language.items():
        chosen = pick_language(messages, lang)
        by_language[chosen] = by_language.get(chosen, 0) + n
    rows: list[LanguagePreview] = []
    for lang in sorted(set(messages) | set(by_language), key=lambda x: (x != "vi", x)):
        if lang not in messages:
            continue
        sample = render_body(campaign.kind, messages[lang], lang, name="", event=campaign.event or "",
                             optout=optout_link(999999), unaccented=campaign.use_unaccented)
        info = analyse(sample)
        offer = unaccented_offer(sample) if has_unaccented_variant(lang) and not campaign.use_unaccented else None
        n = by_language.get(lang, 0)
        rows.append(LanguagePreview(lang, n, sample, info, offer, round(n * info.segments * price, 4)))
    total_segments = sum(r.recipients * r.info.segments for r in rows)
    return Preview(steps, rows, sum(r.recipients for r in rows), total_segments,
                   round(total_segments * price, 2), cfg["SMS_CURRENCY"])

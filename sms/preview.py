"""What operators see before sending: recipients after every filter, encoding and segments per language,
estimated cost (in the gateway's currency and in VND), the contacts who get a fallback language, and the
variants that save segments (unaccented Vietnamese; the GSM-7-safe text of any language).

Segments are counted on the bodies the recipients will really get (`sms.render.render_body` with each
contact's name and opt-out link, exactly as `sms.dispatch.materialise` builds them): a name like "Zoë" or "Đào"
switches that contact's message to UCS-2 and can add a segment. Bodies differ only by the name and by the length
of the opt-out token, so each distinct (language, name, token length) is rendered once, in SQL groups, whatever
the number of recipients. Above `EXACT_LIMIT` such groups the count is an upper bound instead, shown as such:
every body with the language's longest name made of characters that cost two UCS-2 units each, and the longest
opt-out link."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import case, func, select

from signage.extensions import db
from signage.languages import has_unaccented_variant
from sms import audience
from sms.encoding import SmsInfo, analyse, gsm_safe_offer, unaccented_offer
from sms.models import Contact
from sms.render import optout_link, pick_language, render_body

#: Up to this many distinct (language, name, token length) groups the preview renders each one (about 0.15 ms
#: each); above it, it shows an upper bound.
EXACT_LIMIT = 20_000
#: One character worth two UCS-2 units (outside the BMP): the worst a name's character can cost.
WORST_CHARACTER = "\U0001f600"


@dataclass
class LanguagePreview:
    language: str
    recipients: int
    sample: str  # the body with an empty name
    info: SmsInfo  # of the sample
    unaccented: tuple[str, SmsInfo] | None
    cost: float
    segments: int = 0  # all recipients of this language together (exact, or the upper bound)
    ucs2_recipients: int = 0  # bodies that are UCS-2 (exact count only)
    gsm_safe: tuple[str, SmsInfo] | None = None  # the stored text made GSM-7-safe, when that saves segments


@dataclass
class Preview:
    steps: list[audience.StepCount]
    languages: list[LanguagePreview]
    total_recipients: int
    total_segments: int
    total_cost: float
    currency: str
    exact: bool = True  # False: segments and cost are an upper bound
    fallbacks: dict[str, int] = field(default_factory=dict)  # contact language → recipients getting Vietnamese
    vnd_rate: float = 0.0  # VND per unit of `currency` (1 when it is VND; 0: not shown)

    @property
    def total_vnd(self) -> float:
        return self.total_cost * self.vnd_rate


def _render(campaign, template: str, lang: str, *, name: str, contact_id: int) -> str:
    return render_body(campaign.kind, template, lang, name=name, event=campaign.event or "",
                       optout=optout_link(contact_id), unaccented=campaign.use_unaccented)


def _token_length():
    """The length of a contact's opt-out token id (base36 of its id) as SQL: ids of one length have links of one
    length, so the body of a name is the same size for all of them."""
    return case(*[(Contact.id < 36 ** n, n) for n in range(1, 6)], else_=6)  # an INTEGER id has at most 6


def _exact(campaign, messages: dict, now) -> dict[str, list[int]] | None:
    """language → [recipients, segments, UCS-2 bodies], from the real body of each distinct (language, name,
    token length) among the recipients, counted once and multiplied by its recipients; None when there are more
    than EXACT_LIMIT such groups (rendering them all would make the page slow)."""
    conditions = [s.condition for s in audience.campaign_steps(campaign, now=now) if s.key != "daily_cap"]
    length = _token_length()
    groups = db.session.execute(
        select(Contact.language, Contact.name, func.count(), func.max(Contact.id)).where(*conditions)
        .group_by(Contact.language, Contact.name, length).limit(EXACT_LIMIT + 1)).all()
    if len(groups) > EXACT_LIMIT:
        return None
    totals: dict[str, list[int]] = {}
    for language, name, count, contact_id in groups:
        lang = pick_language(messages, language)
        info = analyse(_render(campaign, messages[lang], lang, name=name or "", contact_id=contact_id))
        row = totals.setdefault(lang, [0, 0, 0])
        row[0] += count
        row[1] += info.segments * count
        row[2] += count if info.encoding == "UCS-2" else 0
    return totals


def _upper_bound(campaign, messages: dict, by_language: dict[str, int], now) -> dict[str, list[int]]:
    """language → [recipients, segments at most, 0]: the longest name of the language's recipients written in
    the costliest characters, with the longest opt-out link."""
    conditions = [s.condition for s in audience.campaign_steps(campaign, now=now) if s.key != "daily_cap"]
    longest = dict(db.session.execute(select(Contact.language, func.max(func.length(Contact.name)))
                                      .where(*conditions).group_by(Contact.language)).all())
    top_id = db.session.scalar(select(func.max(Contact.id))) or 1
    totals: dict[str, list[int]] = {}
    for contact_language, length in longest.items():
        lang = pick_language(messages, contact_language)
        worst = analyse(_render(campaign, messages[lang], lang, name=WORST_CHARACTER * int(length or 0),
                                contact_id=top_id))
        row = totals.setdefault(lang, [by_language.get(lang, 0), 0, 0])
        row[1] = max(row[1], worst.segments)
    for row in totals.values():
        row[1] *= row[0]
    return totals


def build_preview(campaign, *, now) -> Preview:
    cfg = current_app.config
    price = float(cfg["SMS_PRICE_PER_SEGMENT"])
    currency = cfg["SMS_CURRENCY"]
    steps = audience.preview_counts(campaign, now=now, cap=int(cfg["SMS_DAILY_CAP"]))
    per_contact_language = audience.language_counts(campaign, now=now)
    messages = {k: v for k, v in (campaign.messages or {}).items() if v and v.strip()}
    by_language: dict[str, int] = {}
    fallbacks: dict[str, int] = {}
    for lang, n in per_contact_language.items():
        chosen = pick_language(messages, lang)
        by_language[chosen] = by_language.get(chosen, 0) + n
        if chosen != lang:
            fallbacks[lang] = fallbacks.get(lang, 0) + n
    counted: dict[str, list[int]] | None = _exact(campaign, messages, now) if messages else {}
    exact = counted is not None
    if counted is None:
        counted = _upper_bound(campaign, messages, by_language, now)
    rows: list[LanguagePreview] = []
    for lang in sorted(set(messages) | set(by_language), key=lambda x: (x != "vi", x)):
        if lang not in messages:
            continue
        sample = render_body(campaign.kind, messages[lang], lang, name="", event=campaign.event or "",
                             optout=optout_link(999999), unaccented=campaign.use_unaccented)
        info = analyse(sample)
        offer = unaccented_offer(sample) if has_unaccented_variant(lang) and not campaign.use_unaccented else None
        safe = None if offer or (has_unaccented_variant(lang) and campaign.use_unaccented) else gsm_safe_offer(sample)
        n, segments, ucs2 = counted.get(lang, [by_language.get(lang, 0), 0, 0])
        rows.append(LanguagePreview(lang, n, sample, info, offer, round(segments * price, 4), segments, ucs2, safe))
    total_segments = sum(r.segments for r in rows)
    rate = 1.0 if currency == "VND" else float(cfg.get("SMS_VND_PER_USD", 0) if currency == "USD" else 0)
    return Preview(steps, rows, sum(r.recipients for r in rows), total_segments, round(total_segments * price, 2),
                   currency, exact, dict(sorted(fallbacks.items())), rate)

"""SMS encoding: GSM-7 (GSM 03.38 default alphabet + extension table) vs UCS-2, characters and segments,
the unaccented Vietnamese variant that often fits GSM-7, and the GSM-7-safe variant of any language's text:
typographic characters (curly quotes, dashes, ellipsis, non-breaking and thin spaces) that word processors put
in silently switch a whole message to UCS-2 and double its cost; `gsm_safe` replaces them with their plain
forms (the unaccented Vietnamese variant does the same)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# GSM 03.38 default alphabet (one septet each).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: escape + char, so each counts two septets.
GSM_EXTENDED = set("^{}\\[~]|€\f")

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class SmsInfo:
    encoding: str  # "GSM-7" | "UCS-2"
    characters: int  # what the user typed (code points)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text)


def analyse(text: str) -> SmsInfo:
    if is_gsm7(text):
        units = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        single, multi, encoding = GSM_SINGLE, GSM_MULTI, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "UCS-2"
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = _parts(text, multi, encoding)
    return SmsInfo(encoding, len(text), units, segments, single if segments <= 1 else multi)


#: Typographic characters and the plain GSM-7 text they stand for.
TYPOGRAPHIC = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u2039": "'", "\u203a": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "-", "\u00b7": "-",
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ",
    "\u202f": " ", "\u205f": " ", "\u3000": " ", "\u200b": "", "\ufeff": "", "\u00ad": "",
})


def gsm_safe(text: str) -> str:
    """`text` with typographic quotes, dashes, ellipses and special spaces replaced by plain GSM-7 ones."""
    return text.translate(TYPOGRAPHIC)


def gsm_safe_offer(text: str) -> tuple[str, SmsInfo] | None:
    """The GSM-7-safe variant and its info when it needs fewer segments than `text` or turns it into GSM-7 (a
    longer {name} then costs less), else None."""
    variant = gsm_safe(text)
    if variant == text:
        return None
    info, before = analyse(variant), analyse(text)
    better = info.segments < before.segments or (info.encoding == "GSM-7" and before.encoding == "UCS-2")
    return (variant, info) if better else None


def _parts(text: str, size: int, encoding: str) -> int:
    """Parts of a long message: `size` units each, and a part never ends inside an escape pair (GSM-7) or a
    surrogate pair (UCS-2), so a character that does not fit whole starts the next part."""
    parts, used = 1, 0
    for ch in text:
        cost = (2 if ch in GSM_EXTENDED else 1) if encoding == "GSM-7" else len(ch.encode("utf-16-le")) // 2
        if used + cost > size:
            parts, used = parts + 1, 0
        used += cost
    return parts


def unaccent(text: str) -> str:
    """Vietnamese without diacritics ("Bình Thuận" → "Binh Thuan"); đ/Đ become d/D; typographic characters
    become plain ones (`gsm_safe`), so the variant fits GSM-7 whenever the letters do."""
    text = gsm_safe(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped)


def unaccented_offer(text: str) -> tuple[str, SmsInfo] | None:
    """The unaccented variant and its info when it needs fewer segments than `text`, else None."""
    variant = unaccent(text)
    if variant == text:
        return None
    info = analyse(variant)
    return (variant, info) if info.segments < analyse(text).segments else None

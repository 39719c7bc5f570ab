"""SMS encoding: GSM-7 (GSM 03.38 default alphabet + extension table) vs UCS-2, characters and segments,
and the unaccented Vietnamese variant that often fits GSM-7."""

from __future__ import annotations

import math
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
        segments = math.ceil(units / multi)
    return SmsInfo(encoding, len(text), units, segments, single if segments <= 1 else multi)


def unaccent(text: str) -> str:
    """Vietnamese without diacritics ("Bình Thuận" → "Binh Thuan"); đ/Đ become d/D."""
    text = text.replace("đ", "d").replace("Đ", "D")
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

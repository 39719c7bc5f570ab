"""The languages the product knows, and the ones this province offers: one table, one setting.

`KNOWN` is the built-in table. Each language has its code (ISO 639-1, else ISO 639-3), its native name (how
it is offered in selectors), an English name (translated in the operator UI), its script with a sample a
font must cover, the fonts that draw it (fontconfig families of Noto and other Debian fonts, preferred
first) and the Debian package that ships the first of them, whether the unaccented SMS variant applies,
and the SMS opt-out phrase.

The core setting `CONTENT_LANGUAGES` (comma-separated codes, default `vi,en,ru,zh,ko`) chooses which of
them the province offers; everything else reads `configured()`: the text fields of slides, tickers, SMS
campaigns and alerts, the languages a screen rotates, contact import, the public opt-in page.

Rules:
- "vi" is required and always first; the other codes keep their order; a code given twice counts once.
- A code the table does not know stops the start, naming it and the codes the table knows.
- Whether an installed font covers each configured language is checked by `content` when it starts (the
  renderer is there; the core draws nothing): `content.fonts.language_problems`, `flask content check-fonts`.
- SMS opt-out phrase: the language's own; a language without one uses English's (`optout_phrase`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext


def N_(text: str) -> str:
    """Marks a string for the catalogue without translating it here (translated where it is shown)."""
    return text


@dataclass(frozen=True)
class Script:
    name: str
    #: Needs complex text layout (marks and reordering): Pillow with libraqm.
    shaping: bool = False


LATIN = Script("Latin")
CYRILLIC = Script("Cyrillic")
HAN = Script("Han")
HANGUL = Script("Hangul")
JAPANESE = Script("Han, Hiragana and Katakana")
THAI = Script("Thai", shaping=True)
KHMER = Script("Khmer", shaping=True)
CHAM = Script("Cham", shaping=True)

#: Latin (with Vietnamese diacritics) and Cyrillic.
LATIN_FONTS = ("Noto Sans", "DejaVu Sans", "Liberation Sans")
LATIN_PACKAGE = "fonts-noto-core"
CJK_PACKAGE = "fonts-noto-cjk"


def _vietnamese_letters() -> str:
    """Every Vietnamese letter with every tone mark, precomposed (NFC), both cases, and đ."""
    bases = "aăâeêioôơuưy"
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    letters = "".join(unicodedata.normalize("NFC", b + t) for b in bases + bases.upper() for t in tones)
    return letters + "đĐ"


ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
VIETNAMESE = ASCII_LETTERS + _vietnamese_letters()
RUSSIAN = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    #: English name, translated where it is shown (`label`).
    name: str
    script: Script
    #: Characters a font must have to draw this language (checked at start-up).
    sample: str
    fonts: tuple[str, ...] = LATIN_FONTS
    package: str = LATIN_PACKAGE
    #: "Opt out:" in this language, introducing the link in promotional SMS; None: English's is used.
    optout: str | None = None
    #: Offers the unaccented variant (diacritics removed) that fits GSM-7's 160 characters a segment.
    unaccented: bool = False

    @property
    def label(self):
        """The English name translated to the operator's language (lazy: translated when shown)."""
        return lazy_gettext(self.name)


#: The languages the product knows, in the order they are offered. Codes in `CONTENT_LANGUAGES` pick from it.
KNOWN: dict[str, Language] = {lang.code: lang for lang in (
    Language("vi", "Tiếng Việt", N_("Vietnamese"), LATIN, VIETNAMESE,
             # unaccented, so that the appended phrase keeps an unaccented message in GSM-7
             optout="Tu choi nhan tin:", unaccented=True),
    Language("en", "English", N_("English"), LATIN, ASCII_LETTERS, optout="Opt out:"),
    Language("ru", "Русский", N_("Russian"), CYRILLIC, RUSSIAN, optout="Отписаться:"),
    Language("zh", "中文", N_("Chinese"), HAN, "欢迎来到平顺省通知时间地点节日海滩",
             ("Noto Sans CJK SC", "Noto Sans CJK TC", "Droid Sans Fallback"), CJK_PACKAGE, optout="退订:"),
    Language("ko", "한국어", N_("Korean"), HANGUL, "빈투언에 오신 것을 환영합니다 안내 축제",
             ("Noto Sans CJK KR", "Noto Sans CJK SC", "Droid Sans Fallback"), CJK_PACKAGE, optout="수신거부:"),
    Language("fr", "Français", N_("French"), LATIN, ASCII_LETTERS + "àâæçéèêëîïôœùûüÿÀÂÆÇÉÈÊËÎÏÔŒÙÛÜŸ«»",
             optout="Désinscription :"),
    Language("ja", "日本語", N_("Japanese"), JAPANESE, "日本語のお知らせ ビントゥアン省へようこそ",
             ("Noto Sans CJK JP", "Noto Sans CJK SC", "Droid Sans Fallback"), CJK_PACKAGE, optout="配信停止:"),
    Language("th", "ไทย", N_("Thai"), THAI, "ยินดีต้อนรับสู่จังหวัดบิ่ญถ่วน ประกาศ",
             ("Noto Sans Thai", "Noto Looped Thai"), "fonts-noto-core", optout="ยกเลิกรับข้อความ:"),
    Language("km", "ខ្មែរ", N_("Khmer"), KHMER, "សូមស្វាគមន៍មកកាន់ខេត្តប៊ិញធ្វឹន សេចក្តីជូនដំណឹង",
             ("Noto Sans Khmer", "Noto Serif Khmer"), "fonts-noto-core"),
    # Eastern Cham (Vietnam) in the Cham script (Akhar Thrah): the letters of the Unicode Cham block.
    Language("cjm", "Chăm", N_("Cham"), CHAM, "".join(chr(c) for c in range(0xAA00, 0xAA29)),
             ("Noto Sans Cham",), "fonts-noto-core"),
    # Southern Roglai (Raglai; Bình Thuận, Ninh Thuận) and Bulo Stieng (S'tiêng): Latin script with
    # Vietnamese letters plus the breve vowels.
    Language("rgs", "Raglai", N_("Raglai"), LATIN, VIETNAMESE + "ĕĭŏŭĔĬŎŬ\u0306"),
    Language("sti", "S'tiêng", N_("Stieng"), LATIN, VIETNAMESE + "ĕĭŏŭĔĬŎŬ\u0306"),
)}

REQUIRED = "vi"
DEFAULT_CODES = ("vi", "en", "ru", "zh", "ko")


def parse(value: str | Iterable[str]) -> tuple[str, ...]:
    """`"vi,en,fr"` (or a sequence of codes) → `("vi", "en", "fr")`, "vi" first; a clear ValueError for a code
    the table does not know or a list without "vi"."""
    items = value.split(",") if isinstance(value, str) else list(value)
    codes: list[str] = []
    for item in items:
        code = str(item).strip().lower()
        if code and code not in codes:
            codes.append(code)
    unknown = [c for c in codes if c not in KNOWN]
    if unknown:
        raise ValueError(f"unknown language code {', '.join(repr(c) for c in unknown)}; the languages this "
                         f"product knows are {', '.join(f'{c} ({lang.name})' for c, lang in KNOWN.items())}")
    if REQUIRED not in codes:
        raise ValueError(f"{REQUIRED!r} (Vietnamese) is required: list it first, e.g. "
                         f"{','.join((REQUIRED, *codes))}")
    return (REQUIRED, *(c for c in codes if c != REQUIRED))


def get(code: str) -> Language:
    return KNOWN[code]


def configured_codes() -> tuple[str, ...]:
    """The codes this province offers (the app's `CONTENT_LANGUAGES`, parsed at start-up), "vi" first."""
    return current_app.config["CONTENT_LANGUAGES"]


def configured() -> tuple[Language, ...]:
    return tuple(KNOWN[code] for code in configured_codes())


def native_names(codes: Iterable[str] | None = None) -> dict[str, str]:
    """code → native name, for the configured languages (or `codes`), in order: what selectors show."""
    return {code: KNOWN[code].native_name for code in (configured_codes() if codes is None else codes)}


def in_order(codes: Iterable[str]) -> list[str]:
    """Those of `codes` the province offers, in the configured order (unknown or retired codes dropped)."""
    wanted = set(codes)
    return [code for code in configured_codes() if code in wanted]


def optout_phrase(code: str) -> str:
    """The phrase introducing the opt-out link: the language's own, else English's."""
    lang = KNOWN.get(code)
    return (lang.optout if lang is not None and lang.optout else None) or KNOWN["en"].optout or ""


def has_unaccented_variant(code: str) -> bool:
    lang = KNOWN.get(code)
    return bool(lang and lang.unaccented)

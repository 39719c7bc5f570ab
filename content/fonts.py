"""Fonts located at run time from the Debian packages (fontconfig), with per-text glyph fallback.

Which fonts draw which language is in the languages table (`signage.languages`): Latin with Vietnamese
diacritics and Cyrillic in Noto Sans, else DejaVu Sans (fonts-noto-core, fonts-dejavu-core); Chinese,
Korean and Japanese in Noto Sans CJK (fonts-noto-cjk); Thai, Khmer and Cham in their Noto families
(fonts-noto-core). For each text the candidates are the language's own fonts, then the Latin ones, then
every other known language's; the first whose charset covers every character is used, else an installed
font fontconfig finds for the missing characters, else the candidate covering most.

Emoji are drawn in colour from Noto Color Emoji (fonts-noto-color-emoji), whose bitmaps FreeType loads at
one size only (`EMOJI_PX`): `runs` cuts a text into the runs its text font draws and the emoji runs the
renderer draws at that size and scales. The emoji font is never the text font of a whole text.

`language_problems` is the start-up check of the configured languages: a language whose sample no installed
font covers (or whose script needs shaping Pillow cannot do) is refused, naming the Debian package.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from PIL import features

from signage import languages
from signage.languages import Language

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


EMOJI_FAMILY = "Noto Color Emoji"
EMOJI_PX = 109  # the one pixel size of Noto Color Emoji's bitmaps (CBDT): FreeType refuses any other
#: code points that belong to the emoji before them: zero-width joiner, presentation selectors, keycap, tags
EMOJI_MARKS = frozenset({0x200D, 0xFE0E, 0xFE0F, 0x20E3, *range(0xE0020, 0xE0080)})


class FontNotFound(RuntimeError):
    pass


def _fc(args: list[str]) -> str:
    try:
        return subprocess.run(["fc-match" if args[0] != "query" else "fc-query", *args[1:]], capture_output=True,
                              text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


@functools.lru_cache(maxsize=64)
def _match(family: str, bold: bool) -> str | None:
    """The file fontconfig gives for exactly this family (None when it substitutes another family)."""
    pattern = f"{family}:bold" if bold else f"{family}:regular"
    out = _fc(["match", "-f", "%{family}\t%{file}", pattern])
    if "\t" not in out:
        return _scan(family, bold)
    families, path = out.split("\t", 1)
    if family.lower() not in [f.strip().lower() for f in families.split(",")]:
        return _scan(family, bold)
    return path.strip() or None


def _scan(family: str, bold: bool) -> str | None:
    """Without fontconfig: look for the family's file name under the font directories."""
    stem = family.replace(" ", "")
    names = [f"{stem}-Bold", f"{stem}Bold"] if bold else [f"{stem}-Regular", stem]
    for base in FONT_DIRS:
        if not base.exists():
            continue
        for name in names:
            for suffix in (".ttf", ".otf", ".ttc"):
                found = next(base.rglob(name + suffix), None)
                if found:
                    return str(found)
    return None


@functools.lru_cache(maxsize=64)
def charset(path: str) -> tuple[tuple[int, int], ...]:
    """Code-point ranges a font file covers (from fc-query); empty when unknown."""
    out = _fc(["query", "-f", "%{charset}\n", path]).splitlines()
    ranges: list[tuple[int, int]] = []
    for token in (out[0] if out else "").split():
        lo, _, hi = token.partition("-")
        try:
            ranges.append((int(lo, 16), int(hi or lo, 16)))
        except ValueError:
            continue
    return tuple(ranges)


def has(path: str, code_point: int) -> bool:
    """Whether the font file has a glyph for the code point (per fc-query; False when unknown)."""
    ranges = charset(path)
    i = bisect.bisect_right(ranges, (code_point, 0x10FFFF)) - 1
    return i >= 0 and ranges[i][0] <= code_point <= ranges[i][1]


@functools.lru_cache(maxsize=1)
def emoji_font() -> str | None:
    """Noto Color Emoji's file, or None when fonts-noto-color-emoji is not installed."""
    return _match(EMOJI_FAMILY, False)


def _emoji_only(code_point: int) -> bool:
    """Pictographs (U+1F000 on) and the marks joining them: never looked for in a text font."""
    return code_point >= 0x1F000 or code_point in EMOJI_MARKS


def has_emoji(text: str) -> bool:
    return any(_emoji_only(ord(c)) for c in text)


def runs(text: str, path: str) -> list[tuple[bool, str]]:
    """`text` as [(is_emoji, run)]: a character the text font `path` lacks and the emoji font has is drawn as
    an emoji, and joiners, selectors and skin tones stay with the emoji they follow (flags and families keep
    together). Without the emoji font everything is text."""
    emoji = emoji_font()
    if emoji is None or all(ord(c) < 0x2000 for c in text):
        return [(False, text)] if text else []
    out: list[tuple[bool, str]] = []
    for char in text:
        cp = ord(char)
        if out and out[-1][0] and (cp in EMOJI_MARKS or 0x1F3FB <= cp <= 0x1F3FF):
            is_emoji = True
        elif cp in EMOJI_MARKS:
            is_emoji = False
        else:
            is_emoji = not has(path, cp) and has(emoji, cp)
        if out and out[-1][0] == is_emoji:
            out[-1] = (is_emoji, out[-1][1] + char)
        else:
            out.append((is_emoji, char))
    return out


def covers(path: str, text: str) -> int:
    """How many distinct non-space characters of `text` the font has glyphs for."""
    ranges = charset(path)
    chars = {ord(c) for c in text if not c.isspace()}
    if not ranges:
        return len(chars) if all(c < 0x250 for c in chars) else 0
    return sum(1 for c in chars if any(lo <= c <= hi for lo, hi in ranges))


def families(lang: str) -> tuple[str, ...]:
    """Families tried in order for a language: its own, the Latin ones, then every other known language's."""
    own = languages.KNOWN[lang].fonts if lang in languages.KNOWN else languages.LATIN_FONTS
    ordered = [*own, *languages.LATIN_FONTS, *(f for other in languages.KNOWN.values() for f in other.fonts)]
    return tuple(dict.fromkeys(ordered))


def _files(lang: str, bold: bool) -> Iterator[str]:
    """The candidates' files in order, each family looked up only when the ones before it did not do."""
    seen: set[str] = set()
    for family in families(lang):
        path = _match(family, bold) or (_match(family, False) if bold else None)
        if path and path not in seen:
            seen.add(path)
            yield path


@functools.lru_cache(maxsize=64)
def candidates(lang: str, bold: bool) -> tuple[str, ...]:
    files = tuple(_files(lang, bold))
    if not files:
        raise FontNotFound("No usable font: install fonts-noto-core or fonts-dejavu-core (Debian).")
    return files


@functools.lru_cache(maxsize=256)
def _fallback(missing: frozenset[int], bold: bool) -> str | None:
    """Ask fontconfig for any installed font that has the glyphs the usual candidates lack."""
    charset = " ".join(f"{c:x}" for c in sorted(missing)[:64])
    style = ":bold" if bold else ""
    out = _fc(["match", "-f", "%{file}", f"sans-serif{style}:charset={charset}"]).strip()
    return out or None


@functools.lru_cache(maxsize=4096)
def font_for(text: str, lang: str, bold: bool = False) -> str:
    """The font file to draw `text` with: the first candidate with every glyph, else an installed font
    fontconfig finds for the missing characters, else the candidate covering most. Emoji are left out of the
    choice: the emoji font draws them (`runs`)."""
    if has_emoji(text):
        text = "".join(c for c in text if not _emoji_only(ord(c)))
    chars = {c for c in text if not c.isspace()}
    best, best_cover = None, -1
    for path in _files(lang, bold):
        cover = covers(path, text)
        if cover >= len(chars):
            return path
        if cover > best_cover:
            best, best_cover = path, cover
    if best is None:
        raise FontNotFound("No usable font: install fonts-noto-core or fonts-dejavu-core (Debian).")
    ranges = charset(best)
    missing = frozenset(ord(c) for c in chars if not any(lo <= ord(c) <= hi for lo, hi in ranges))
    other = _fallback(missing, bold)
    if other and other != emoji_font() and covers(other, text) > best_cover:
        return other
    return best


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """Changes when the installed fonts change (part of every slide's render key)."""
    files = sorted({f for lang in languages.KNOWN for bold in (False, True) for f in candidates(lang, bold)})
    return hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]


def covering_font(lang: Language) -> str | None:
    """The installed font file that draws every character of the language's sample, or None."""
    sample = lang.sample
    path = font_for(sample, lang.code)
    wanted = len({c for c in sample if not c.isspace()})
    return path if charset(path) and covers(path, sample) >= wanted else None


def shaping_available() -> bool:
    """Pillow can lay out complex scripts (libraqm with FriBiDi)."""
    return bool(features.check("raqm"))


def language_problems(langs: Iterable[Language]) -> list[str]:
    """Why each language cannot be drawn on this machine (empty: every one can), naming what to install."""
    problems = []
    for lang in langs:
        try:
            path = covering_font(lang)
        except FontNotFound:
            path = None
        if path is None:
            problems.append(
                f"{lang.name} ({lang.code}): no installed font covers the {lang.script.name} script; install the "
                f"Debian package {lang.package} (font {lang.fonts[0]}), with fontconfig to find it")
        elif lang.script.shaping and not shaping_available():
            problems.append(
                f"{lang.name} ({lang.code}): the {lang.script.name} script needs complex text layout, which this "
                f"Pillow lacks; install the Debian package libfribidi0 (Pillow's wheels bring libraqm and load it; "
                f"a Pillow built without them needs libraqm0 too)")
    return problems

"""Fonts located at run time from the Debian packages (fontconfig), with per-text glyph fallback.

Latin with Vietnamese diacritics and Cyrillic: Noto Sans, else DejaVu Sans (fonts-noto-core,
fonts-dejavu-core). Chinese and Korean: Noto Sans CJK (fonts-noto-cjk) when installed. For each text
the first candidate font whose charset covers every character is used; if none covers all, the one
covering most.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))

#: Families tried in order, per script need; fontconfig resolves them to files.
LATIN_FAMILIES = ("Noto Sans", "DejaVu Sans", "Liberation Sans")
CJK_FAMILIES = {
    "zh": ("Noto Sans CJK SC", "Noto Sans CJK TC", "Droid Sans Fallback"),
    "ko": ("Noto Sans CJK KR", "Noto Sans CJK SC", "Droid Sans Fallback"),
}


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


def covers(path: str, text: str) -> int:
    """How many distinct non-space characters of `text` the font has glyphs for."""
    ranges = charset(path)
    chars = {ord(c) for c in text if not c.isspace()}
    if not ranges:
        return len(chars) if all(c < 0x250 for c in chars) else 0
    return sum(1 for c in chars if any(lo <= c <= hi for lo, hi in ranges))


@functools.lru_cache(maxsize=16)
def candidates(lang: str, bold: bool) -> tuple[str, ...]:
    families = CJK_FAMILIES.get(lang, ()) + LATIN_FAMILIES + CJK_FAMILIES["zh"] + CJK_FAMILIES["ko"]
    files: list[str] = []
    for family in families:
        path = _match(family, bold) or (_match(family, False) if bold else None)
        if path and path not in files:
            files.append(path)
    if not files:
        raise FontNotFound("No usable font: install fonts-noto-core or fonts-dejavu-core (Debian).")
    return tuple(files)


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
    fontconfig finds for the missing characters, else the candidate covering most."""
    files = candidates(lang, bold)
    chars = {c for c in text if not c.isspace()}
    best, best_cover = files[0], -1
    for path in files:
        cover = covers(path, text)
        if cover >= len(chars):
            return path
        if cover > best_cover:
            best, best_cover = path, cover
    ranges = charset(best)
    missing = frozenset(ord(c) for c in chars if not any(lo <= ord(c) <= hi for lo, hi in ranges))
    other = _fallback(missing, bold)
    if other and covers(other, text) > best_cover:
        return other
    return best


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """Changes when the installed fonts change (part of every slide's render key)."""
    files = sorted({f for lang in ("vi", "zh", "ko") for bold in (False, True) for f in candidates(lang, bold)})
    return hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]

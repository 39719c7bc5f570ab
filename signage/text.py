"""Text cleaning at every boundary (forms, imports, APIs): one helper, used everywhere.

`clean(value)` returns the text as the product stores it:
- Unicode NFC: Vietnamese typed in decomposed form (NFD, some keyboards and copy-paste from PDFs) is stored
  composed, so an NFD name finds and duplicates the NFC one and an SMS costs what the composed text costs;
- control characters removed (category Cc, NUL included: PostgreSQL cannot store NUL), and lone surrogates
  (category Cs, they cannot be encoded as UTF-8); tab and line breaks are kept in multi-line text, turned into
  spaces in single-line text; CR LF and lone CR become LF;
- capped at `max_length` characters when given (after normalising, so a cap counts composed letters).
Format characters (Cf: zero-width joiner, bidi marks) are kept: emoji sequences and mixed scripts need them.
Leading and trailing whitespace is kept unless `strip=True` (`clean_line` strips): a body may mean its spaces.

Pure functions, no Flask. `wtforms_filter` is the same cleaning as a WTForms field filter; the product's form
base (`signage.forms.FlaskForm`) puts it on every text field."""

from __future__ import annotations

import unicodedata

_DROPPED = frozenset(("Cc", "Cs"))
_KEPT_MULTILINE = frozenset("\n\t")


def clean(value: str | None, *, max_length: int | None = None, multiline: bool = True, strip: bool = False) -> str:
    """`value` normalised to NFC, without control characters, capped at `max_length`; None gives ""."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    kept = []
    for ch in text:
        if unicodedata.category(ch) not in _DROPPED:
            kept.append(ch)
        elif ch in _KEPT_MULTILINE:
            kept.append(ch if multiline else " ")
    text = "".join(kept)
    if strip:
        text = text.strip()
    if max_length is not None and len(text) > max_length:
        text = text[:max_length]
    return text


def clean_line(value: str | None, *, max_length: int | None = None) -> str:
    """One line of text (a name, a title, a phone number): `clean` with line breaks as spaces, stripped."""
    return clean(value, max_length=max_length, multiline=False, strip=True)


def wtforms_filter(multiline: bool):
    """A WTForms filter: `clean` on submitted text (None, a field with no data, stays None)."""

    def cleaned(value):
        if value is None or not isinstance(value, str):
            return value
        return clean(value, multiline=multiline)

    cleaned.__name__ = "clean_multiline" if multiline else "clean_line"
    return cleaned

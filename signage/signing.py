"""Short HMAC signatures for what leaves the controller: QR codes on screens, opt-out links in SMS,
one-time codes. Checked against SECRET_KEY and every key in SECRET_KEY_FALLBACKS, so rotating the key
does not break links already on a phone (an opt-out link must work for as long as the message exists)."""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Callable

from flask import current_app

_BASE36 = string.digits + string.ascii_lowercase


def base36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _BASE36[r] + out
        if n == 0:
            return out


def is_base36(text: str) -> bool:
    return bool(text) and not set(text) - set(_BASE36)


def _keys() -> list[str]:
    config = current_app.config
    return [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]


def digest(message: str, key: str | None = None) -> bytes:
    """HMAC-SHA256 of the message with the current key (or the one given)."""
    return hmac.new((key or _keys()[0]).encode(), message.encode(), hashlib.sha256).digest()


def matches(message: str, given: str, encode: Callable[[bytes], str]) -> bool:
    """Whether `given` is encode(digest) of the message under the current key or a fallback key."""
    return any(hmac.compare_digest(given.encode(), encode(digest(message, key)).encode()) for key in _keys())

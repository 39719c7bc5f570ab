"""Phone numbers: parse with `phonenumbers` (default region VN), store E.164, and convert Vietnam's
pre-2018 11-digit mobile numbers to their 10-digit form."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

#: The 2018 renumbering of Vietnamese mobile prefixes (Ministry of Information and Communications plan,
#: Sept–Nov 2018): old 4-digit national prefix → new 3-digit prefix; subscriber digits unchanged.
LEGACY_PREFIXES: dict[str, str] = {
    # MobiFone
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    # VinaPhone
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    # Viettel
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036", "0167": "037",
    "0168": "038", "0169": "039",
    # Vietnamobile
    "0186": "056", "0188": "058",
    # Gmobile
    "0199": "059",
}

#: "(0)" after an international prefix: the trunk zero, not part of the international number.
TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhone(ValueError):
    """The text is not a usable mobile number; the message says why (shown to operators and visitors)."""


def convert_legacy_vn(national: str) -> str:
    """'01621234567' → '0321234567' (national digits); anything else is returned unchanged."""
    if len(national) == 11 and national[:4] in LEGACY_PREFIXES:
        return LEGACY_PREFIXES[national[:4]] + national[4:]
    return national


def normalize_phone(raw: str, default_region: str = "VN", *, mobile_only: bool = True) -> str:
    """Return the E.164 form of `raw` or raise InvalidPhone with a readable reason."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("The phone number is empty.")
    international = text.startswith("+") or text.startswith("00")
    if international:
        # Business cards print "+84 (0) 91x xxx xxx": the national trunk zero, dialled only from inside.
        text = TRUNK_ZERO.sub(" ", text)
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    if not digits:
        raise InvalidPhone(f"{raw!r} contains no digits.")
    if international and digits.startswith("840"):
        digits = "84" + digits[3:]  # "+84 0912 345 678": the trunk zero without its brackets
    if not international and digits.startswith("84") and len(digits) in (11, 12):
        international = True  # "84912345678": Vietnamese numbers written nationally start with 0
    if international and digits.startswith("84"):
        candidate, region = convert_legacy_vn("0" + digits[2:]), "VN"
    elif international:
        candidate, region = "+" + digits, default_region
    else:
        candidate, region = (convert_legacy_vn(digits) if default_region == "VN" else digits), default_region
    try:
        number = phonenumbers.parse(candidate, region)
    except NumberParseException as exc:
        raise InvalidPhone(f"{raw!r} is not a phone number ({exc}).") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{raw!r} is not a valid phone number.")
    if mobile_only and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidPhone(f"{raw!r} is not a mobile number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize(raw: str, default_region: str = "VN") -> str | None:
    try:
        return normalize_phone(raw, default_region)
    except InvalidPhone:
        return None

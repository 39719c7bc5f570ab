import pytest

from sms.phones import LEGACY_PREFIXES, InvalidPhone, normalize_phone


@pytest.mark.parametrize("raw", ["0912345678", "0912 345 678", "+84 912 345 678", "84912345678", "0084912345678"])
def test_vietnamese_numbers_are_stored_in_e164(raw):
    assert normalize_phone(raw) == "+84912345678"


@pytest.mark.parametrize(("old", "new"), [
    ("01621234567", "+84321234567"),  # Viettel 0162 → 032
    ("0120 123 4567", "+84701234567"),  # MobiFone 0120 → 070
    ("+84 123 123 4567", "+84831234567"),  # VinaPhone 0123 → 083
    ("841861234567", "+84561234567"),  # Vietnamobile 0186 → 056
    ("01991234567", "+84591234567"),  # Gmobile 0199 → 059
])
def test_pre_2018_eleven_digit_numbers_are_converted(old, new):
    assert normalize_phone(old) == new


def test_the_whole_2018_conversion_table_yields_valid_numbers():
    for old, new in LEGACY_PREFIXES.items():
        assert normalize_phone(old + "1234567") == "+84" + new[1:] + "1234567"


def test_foreign_tourist_numbers_are_kept_with_their_country_code():
    assert normalize_phone("+7 912 345-67-89") == "+79123456789"
    assert normalize_phone("+82 10-1234-5678") == "+821012345678"


@pytest.mark.parametrize(("raw", "reason"), [
    ("", "empty"), ("hello", "no digits"), ("0912", "not a valid"), ("0281234567", "not a valid"),
    ("+84 28 3823 4567", "not a mobile"),
])
def test_invalid_numbers_get_a_clear_error(raw, reason):
    with pytest.raises(InvalidPhone, match=reason):
        normalize_phone(raw)

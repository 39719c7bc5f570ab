"""Contacts at their boundaries (issue 10): numbers as printed on business cards, the outbox and the add form
scoped to the operator's districts without telling one district what another holds."""

import pytest
from sqlalchemy import select

from signage.extensions import db
from sms.models import ConsentRecord, Contact, OutboxMessage
from sms.phones import normalize_phone


@pytest.mark.parametrize(("raw", "e164"), [
    ("+84 (0) 912 345 678", "+84912345678"),
    ("+84 (0)91 234 5678", "+84912345678"),
    ("+84 0912 345 678", "+84912345678"),
    ("0084 (0) 912 345 678", "+84912345678"),
    ("+44 (0) 7911 123456", "+447911123456"),
])
def test_international_form_with_the_trunk_zero_is_accepted(raw, e164):
    assert normalize_phone(raw) == e164

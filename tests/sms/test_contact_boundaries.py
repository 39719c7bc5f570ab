"""Contacts at their boundaries (issue 10): numbers as printed on business cards, the outbox and the add form
scoped to the operator's districts without telling one district what another holds."""

import pytest
from sqlalchemy import select

from signage.extensions import db
from sms.models import ConsentRecord, Contact
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


def _send(phone: str, body: str) -> None:
    from sms.gateways import OutgoingSms, get_gateway

    get_gateway().send(OutgoingSms(to=phone, body=body))


def test_the_outbox_lists_only_numbers_of_the_operators_region_subtree(outbox_app, login, make_contact):
    make_contact("+84912000001", region="BT-PT")
    make_contact("+84912000002", region="BT-HT")
    _send("+84912000001", "Phan Thiết")
    _send("+84912000002", "Hàm Tân")
    _send("+84912000003", "Mã xác nhận 123456")  # an opt-in code to a number that is no contact yet
    listed = {user: login(user).get("/sms/outbox").get_data(as_text=True) for user in ("hamtan", "operator")}
    assert "+84912000002" in listed["hamtan"]
    assert "+84912000001" not in listed["hamtan"] and "+84912000003" not in listed["hamtan"]
    assert all(p in listed["operator"] for p in ("+84912000001", "+84912000002", "+84912000003"))


def _add(operator, phone: str, region_id: int):
    return operator.post_form("/sms/contacts/new", {
        "phone": phone, "name": "Khách mới", "language": "vi", "kind": "resident", "region_id": region_id,
        "consent_text": "Đồng ý qua điện thoại"})


def test_adding_a_number_held_by_another_district_answers_as_for_a_new_number(outbox_app, login, demo,
                                                                              make_contact):
    held = make_contact("+84912000001", region="BT-PT", name="Chị Lan")
    hamtan = login("hamtan")
    fresh = _add(hamtan, "0912000009", demo["BT-HT"].id)
    taken = _add(hamtan, "0912000001", demo["BT-HT"].id)
    assert (taken.status_code, taken.headers.get("Location")) == (fresh.status_code, fresh.headers.get("Location"))
    page = hamtan.get(taken.headers["Location"]).get_data(as_text=True)
    assert "Chị Lan" not in page and "already" not in page and "đã là" not in page
    db.session.expire_all()
    kept = db.session.get(Contact, held.id)
    assert (kept.region_id, kept.name) == (demo["BT-PT"].id, "Chị Lan")  # nothing of Phan Thiết's changes
    consents = db.session.scalars(select(ConsentRecord).where(ConsentRecord.contact_id == held.id)).all()
    assert any(c.source == "operator" and "hamtan" in c.source_ref for c in consents)  # the consent is kept


def test_adding_a_number_already_in_the_operators_own_area_says_so(outbox_app, login, demo, make_contact):
    make_contact("+84912000001", region="BT-HT")
    answer = _add(login("hamtan"), "0912000001", demo["BT-HT"].id)
    assert answer.status_code == 400


def test_a_name_searched_in_decomposed_form_finds_the_stored_contact(outbox_app, login, make_contact):
    import unicodedata

    make_contact("+84912000001", region="BT-PT", name="Nguyễn Thị Hồng")
    found = login("phanthiet").get("/sms/contacts", query_string={"q": unicodedata.normalize("NFD", "Hồng")})
    assert "+84912000001" in found.get_data(as_text=True)

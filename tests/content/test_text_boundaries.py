"""Text typed outside the forms' fields reaches the database cleaned too (signage/text.py): a reviewer's
comment with a NUL (PostgreSQL cannot store one) and decomposed Vietnamese, a library rename."""

from __future__ import annotations

import unicodedata

from content.models import Media
from signage.extensions import db
from tests.content.conftest import make_photo
from tests.content.test_four_eyes import _step, _upload


def test_a_rejection_comment_is_stored_nfc_without_control_characters(app, demo, login):
    operator = login("phanthiet")
    media_id = _upload(operator, make_photo(), "mui-ne.jpg")
    _step(operator, media_id, "submit")
    comment = unicodedata.normalize("NFD", "Ảnh bị nghiêng") + "\x00\x1b"
    assert _step(login("approver"), media_id, "reject", comment=comment).status_code in (302, 303)
    with app.app_context():
        assert db.session.get(Media, media_id).review_comment == "Ảnh bị nghiêng"


def test_a_comment_of_only_control_characters_is_no_comment(app, demo, login):
    operator = login("phanthiet")
    media_id = _upload(operator, make_photo(), "mui-ne.jpg")
    _step(operator, media_id, "submit")
    _step(login("approver"), media_id, "reject", comment="\x00 \x07")
    with app.app_context():
        assert db.session.get(Media, media_id).approval_state == "submitted"

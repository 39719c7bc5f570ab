"""Rotating SECRET_KEY (the old one moved to SECRET_KEY_FALLBACKS) keeps what already left the controller
working: QR codes on screens and posters, opt-out links in messages on phones, signed-in sessions."""

from __future__ import annotations

import pytest

from content.qrlinks import make_code, parse_code
from signage.config import load_config
from signage.extensions import db
from sms.optin import subscribe
from sms.render import contact_from_token, optout_token


@pytest.fixture
def rotate(app):
    """Call to rotate the key; `keep_old=False` forgets the old key entirely."""
    before = app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"]

    def rotate(keep_old: bool = True) -> None:
        old = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = "a-brand-new-key-after-rotation"
        app.config["SECRET_KEY_FALLBACKS"] = [old] if keep_old else []

    yield rotate
    app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = before


def test_fallback_keys_come_from_the_environment_newest_first(monkeypatch):
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", "older, oldest,")
    assert load_config()["SECRET_KEY_FALLBACKS"] == ["older", "oldest"]


def test_a_qr_code_shown_before_the_rotation_still_resolves(app_ctx, rotate):
    code = make_code(42, 7)
    rotate()
    assert parse_code(code) == (42, 7)
    assert make_code(42, 7) != code  # new renders carry the new key's code


def test_a_qr_code_signed_with_a_forgotten_key_is_refused(app_ctx, rotate):
    code = make_code(42, 7)
    rotate(keep_old=False)
    assert parse_code(code) is None


def test_an_opt_out_link_sent_before_the_rotation_still_opts_out(app, demo, rotate):
    with app.app_context():
        contact = subscribe("+84912345678", "en", source="import", source_ref="", text_shown="consent")
        db.session.commit()
        token, contact_id = optout_token(contact.id), contact.id
    rotate()
    with app.app_context():
        assert contact_from_token(token) == contact_id
    assert app.test_client().get(f"/sms/o/{token}").status_code == 200


def test_an_operator_stays_signed_in_across_the_rotation(login, rotate):
    client = login("admin")
    rotate()
    assert client.get("/screens/").status_code == 200

"""Text cleaning at the boundary (signage/text.py) and the form base that applies it to every text field."""

import importlib
import importlib.util
import unicodedata

import flask_wtf
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from signage import FEATURE_PACKAGES, forms, text
from signage.extensions import db
from signage.models import Screen

NFD_NAME = unicodedata.normalize("NFD", "Chợ Phan Thiết")


def test_clean_composes_nfd_to_nfc():
    assert text.clean(NFD_NAME) == "Chợ Phan Thiết"
    assert NFD_NAME != "Chợ Phan Thiết"


def test_clean_strips_nul_and_control_characters_but_keeps_line_breaks_and_tabs():
    assert text.clean("a\x00b\x07c\x1b[31m\r\nd\te\x7f\x85") == "abc[31m\nd\te"


def test_clean_line_turns_line_breaks_into_spaces_and_strips():
    assert text.clean_line("  one\r\ntwo\tthree  ") == "one two three"


def test_clean_drops_lone_surrogates_and_keeps_emoji_sequences():
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert text.clean("x\ud800y" + family) == "xy" + family


def test_clean_caps_the_length_after_composing():
    assert text.clean(unicodedata.normalize("NFD", "ỗ" * 10), max_length=4) == "ỗ" * 4


def test_every_product_form_derives_from_the_cleaning_base():
    names = ["signage.forms", "signage.theme_forms", *(f"{p}.forms" for p in FEATURE_PACKAGES)]
    for name in (n for n in names if importlib.util.find_spec(n) is not None):
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, flask_wtf.FlaskForm):
                assert issubclass(value, forms.FlaskForm), f"{module.__name__}.{value.__name__}"


def test_form_text_fields_are_cleaned_and_passwords_are_not(app):
    with app.test_request_context():
        posted = MultiDict({"username": "ad\x00min", "password": "p\x00w"})
        form = forms.LoginForm(formdata=posted, meta={"csrf": False})
        assert form.username.data == "admin"
        assert form.password.data == "p\x00w"


def test_an_nfd_screen_name_is_the_same_name_as_the_nfc_one(login, demo):
    before = db.session.scalar(select(func.count(Screen.id)))
    response = login("phanthiet").post_form("/screens/new", {
        "name": NFD_NAME, "region_id": demo["BT-PT"].id, "kind": "led", "width": 1920, "height": 1080,
        "orientation": "landscape", "languages": ["vi"], "poll_interval": 30,
    })
    assert response.status_code == 409
    assert db.session.scalar(select(func.count(Screen.id))) == before

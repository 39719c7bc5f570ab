"""One languages module: the built-in table, the `CONTENT_LANGUAGES` setting and its rules, and the forms built
from the configured languages."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField

from signage import languages
from signage.config import load_config
from signage.forms import language_form
from signage.settings import ConfigError

PLANNED = {"vi": "Vietnamese", "en": "English", "ru": "Russian", "zh": "Chinese", "ko": "Korean", "fr": "French",
           "ja": "Japanese", "th": "Thai", "km": "Khmer", "cjm": "Cham", "rgs": "Raglai", "sti": "Stieng"}


def test_the_table_knows_the_languages_the_provincial_plans_name():
    assert {code: lang.name for code, lang in languages.KNOWN.items()} == PLANNED
    for lang in languages.KNOWN.values():
        assert lang.native_name and lang.sample and lang.fonts and lang.package.startswith("fonts-")
    assert languages.KNOWN["cjm"].script.name == "Cham" and languages.KNOWN["cjm"].fonts == ("Noto Sans Cham",)
    assert languages.KNOWN["rgs"].script is languages.LATIN is languages.KNOWN["sti"].script
    assert languages.KNOWN["km"].script.shaping and not languages.KNOWN["vi"].script.shaping


def test_the_default_is_the_five_languages_of_today():
    assert load_config()["CONTENT_LANGUAGES"] == ("vi", "en", "ru", "zh", "ko")


@pytest.mark.parametrize("given,parsed", [
    ("vi,en,fr,km", ("vi", "en", "fr", "km")),
    (" EN , vi,,fr ", ("vi", "en", "fr")),  # vi always first, case and spaces forgiven
    ("vi,en,vi,en", ("vi", "en")),
    (["vi", "km"], ("vi", "km")),
    ("vi", ("vi",)),
])
def test_codes_are_read_in_order_with_vietnamese_first(given, parsed):
    assert languages.parse(given) == parsed


def test_an_unknown_code_stops_the_start_naming_it_and_the_known_ones(monkeypatch):
    monkeypatch.setenv("CONTENT_LANGUAGES", "vi,en,xx")
    with pytest.raises(ConfigError) as exc:
        load_config()
    message = str(exc.value)
    assert message.startswith("CONTENT_LANGUAGES='vi,en,xx' is not valid: unknown language code 'xx'")
    assert "km (Khmer)" in message and "cjm (Cham)" in message


def test_vietnamese_is_required(monkeypatch):
    with pytest.raises(ConfigError, match=r"'vi' \(Vietnamese\) is required: list it first, e\.g\. vi,en,fr"):
        load_config({"CONTENT_LANGUAGES": ["en", "fr"]})


def test_sms_opt_out_phrase_is_the_languages_own_else_english():
    assert languages.optout_phrase("vi") == "Tu choi nhan tin:"
    assert languages.optout_phrase("fr") == "Désinscription :"
    assert languages.optout_phrase("ko") == "수신거부:"
    english = languages.optout_phrase("en")
    for code in ("km", "cjm", "rgs", "sti", "unknown"):  # no phrase of their own
        assert languages.optout_phrase(code) == english == "Opt out:"
    assert [c for c, lang in languages.KNOWN.items() if lang.unaccented] == ["vi"]


class _Base(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()
    note_ru = StringField()  # a base's field for a language the province does not offer goes


def _note(lang):
    return StringField(lang.native_name)


def test_a_language_form_has_a_field_per_configured_language(app):
    with app.test_request_context():
        app.config["CONTENT_LANGUAGES"], saved = ("vi", "fr", "km"), app.config["CONTENT_LANGUAGES"]
        try:
            cls = language_form(_Base, note=_note)
            form = cls()
            assert cls is language_form(_Base, note=_note)  # one class per language tuple
            assert cls.language_codes == ("vi", "fr", "km")
            assert [f.name for f in form] == ["name", "note_vi", "note_fr", "note_km"]
            assert form.note_km.label.text == "ខ្មែរ"
            app.config["CONTENT_LANGUAGES"] = ("vi", "ru")
            assert [f.name for f in language_form(_Base, note=_note)()] == ["name", "note_vi", "note_ru"]
        finally:
            app.config["CONTENT_LANGUAGES"] = saved


# ------------------------------------------------------------ every package reads it: a province adds fr and km


@pytest.fixture
def french_and_khmer(app):
    saved = app.config["CONTENT_LANGUAGES"]
    app.config["CONTENT_LANGUAGES"] = languages.parse("vi,en,fr,km")
    yield
    app.config["CONTENT_LANGUAGES"] = saved


def test_promotional_sms_carry_the_opt_out_phrase_of_their_language():
    from sms.compliance import promotional_text

    link = "https://sms.example.vn/sms/o/1-abc"
    assert promotional_text("Fête de la mer", "fr", link) == f"[AD] Fête de la mer Désinscription : {link}"
    assert promotional_text("Chào", "vi", link) == f"[QC] Chào Tu choi nhan tin: {link}"
    assert promotional_text("សូមស្វាគមន៍", "km", link) == f"[AD] សូមស្វាគមន៍ Opt out: {link}"  # English's


def test_the_campaign_and_alert_forms_have_a_message_per_configured_language(app, login, french_and_khmer):
    operator = login("phanthiet")
    page = operator.get("/sms/campaigns/new").get_data(as_text=True)
    for code in ("vi", "en", "fr", "km"):
        assert f'name="message_{code}"' in page
    assert 'name="message_ru"' not in page and 'value="ru"' not in page and 'value="km"' in page
    assert "Nội dung (tiếng Khmer)" in page  # the language's name, translated for the Vietnamese UI
    alert_page = login("approver").get("/alerts/new").get_data(as_text=True)
    assert 'name="message_km"' in alert_page and 'name="message_fr"' in alert_page
    assert 'name="message_zh"' not in alert_page


def test_the_public_opt_in_page_and_contact_import_accept_the_configured_languages(app, demo, client,
                                                                                   french_and_khmer):
    from sms.imports import import_contacts

    page = client.get("/sms/join?lang=km").get_data(as_text=True)
    assert 'value="km" selected' in page or 'selected value="km"' in page
    assert "ខ្មែរ" in page and "Русский" not in page
    csv = ("phone,name,language,kind,region,consent_source,consent_text\n"
           "0912345601,Sokha,km,tourist,BT-PT,hotel,ok\n"
           "0912345602,Marie,fr,tourist,BT-PT,hotel,ok\n"
           "0912345603,Ivan,ru,tourist,BT-PT,hotel,ok\n")
    with app.app_context():
        report = import_contacts(csv)
    assert report.imported == 2
    assert [(line, reason) for line, _phone, reason in report.errors] == [
        (4, "unknown language: ru (vi, en, fr, km)")]  # the page words the code in the operator's language

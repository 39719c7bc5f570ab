"""Content in the configured languages: a province adding French and Khmer gets their fields, and a Khmer slide
is drawn with a font that has its glyphs; a language no installed font draws stops the start, naming the
package to install."""

from __future__ import annotations

import pytest
from flask import Flask
from PIL import ImageChops

from content import fonts, init_app, renderer, rendering
from content.models import Slide, Ticker
from signage import languages
from signage.extensions import db
from signage.languages import Language, Script
from signage.settings import ConfigError

KHMER_TITLE = "សូមស្វាគមន៍មកកាន់ខេត្តប៊ិញធ្វឹន"  # "Welcome to Bình Thuận province"
KHMER_BODY = "ពិធីបុណ្យសមុទ្រនៅមុយណេ ថ្ងៃទី២០ ខែធ្នូ"
FRENCH_TITLE = "Bienvenue à Mũi Né — fête de la mer"


@pytest.fixture
def french_and_khmer(app):
    """The province offers Vietnamese, English, French and Khmer (CONTENT_LANGUAGES=vi,en,fr,km)."""
    saved = app.config["CONTENT_LANGUAGES"]
    app.config["CONTENT_LANGUAGES"] = languages.parse("vi,en,fr,km")
    yield
    app.config["CONTENT_LANGUAGES"] = saved


def test_the_slide_and_ticker_forms_have_a_field_per_configured_language(app, demo, login, french_and_khmer):
    client = login("phanthiet")
    page = client.get("/content/slides/new").get_data(as_text=True)
    for code in ("vi", "en", "fr", "km"):
        assert f'name="title_{code}"' in page and f'name="body_{code}"' in page and f'name="caption_{code}"' in page
    assert 'name="title_ru"' not in page and 'name="title_zh"' not in page
    assert "ខ្មែរ" in page and "Français" in page  # the fieldsets and the preview's language choice
    ticker_page = client.get("/content/tickers/new").get_data(as_text=True)
    assert 'name="text_km"' in ticker_page and 'name="text_fr"' in ticker_page and 'name="text_ko"' not in ticker_page


def test_french_and_khmer_texts_are_saved_and_offered_to_screens(app, demo, login, french_and_khmer):
    client = login("phanthiet")
    response = client.post_form("/content/slides/new", {
        "name": "Lễ hội", "region_id": demo["BT-PT"].id, "template": "title_body", "media_id": 0, "duration_s": 10,
        "title_vi": "Chào mừng", "title_fr": FRENCH_TITLE, "title_km": KHMER_TITLE, "body_km": KHMER_BODY,
        "title_ru": "ignored: not a language of this province",
    }, token_from="/content/slides/new")
    assert response.status_code == 302, response.status_code
    response = client.post_form("/content/tickers/new", {
        "name": "Chạy chữ", "region_id": demo["BT-PT"].id, "text_vi": "Xin chào", "text_km": KHMER_TITLE,
        "speed_px_s": 80, "fg": "#ffd400", "bg": "#000000", "duration_s": 30,
    }, token_from="/content/tickers/new")
    assert response.status_code == 302, response.status_code
    screen_page = client.get(f"/screens/{demo_screen_id(app)}/edit").get_data(as_text=True)
    assert 'value="km"' in screen_page and 'value="ru"' not in screen_page
    with app.app_context():
        slide = db.session.scalars(db.select(Slide)).one()
        assert slide.texts["title"] == {"vi": "Chào mừng", "fr": FRENCH_TITLE, "km": KHMER_TITLE}
        assert rendering.slide_languages({"texts": slide.texts}) == ["vi", "fr", "km"]
        assert db.session.scalars(db.select(Ticker)).one().texts == {"vi": "Xin chào", "km": KHMER_TITLE}


def demo_screen_id(app) -> int:
    from signage.models import Screen

    with app.app_context():
        return db.session.scalars(db.select(Screen.id).order_by(Screen.id)).first()


def test_a_khmer_slide_is_drawn_with_a_font_that_covers_its_text(app, french_and_khmer):
    with app.app_context():
        spec = rendering.slide_spec(1, {"texts": {"title": {"vi": "Chào mừng", "km": KHMER_TITLE},
                                                  "body": {"vi": "x", "km": KHMER_BODY}}}, 1280, 720, "km", None)
    assert spec["lang"] == "km" and spec["title"] == KHMER_TITLE
    for text, bold in ((KHMER_TITLE, True), (KHMER_BODY, False)):
        path = fonts.font_for(text, "km", bold)
        assert fonts.covers(path, text) == len({c for c in text if not c.isspace()}), path
        assert "Khmer" in path, path  # the table's family for Khmer (Noto Sans Khmer, fonts-noto-core)
    result = renderer.render(spec)
    assert result.image.size == (1280, 720) and len(result.text_boxes) == 2
    for _name, (x0, y0, x1, y1) in result.text_boxes:
        assert 0 <= x0 < x1 <= 1280 and 0 <= y0 < y1 <= 720
    blank = renderer.render({**spec, "title": "", "body": ""})
    assert ImageChops.difference(result.image.convert("RGB"), blank.image.convert("RGB")).getbbox() is not None


def test_every_language_of_the_table_is_drawn_here():
    """The Debian packages of `make run` (fonts-noto-core, fonts-noto-cjk) draw every known language."""
    assert fonts.language_problems(languages.KNOWN.values()) == []
    for lang in languages.KNOWN.values():
        path = fonts.covering_font(lang)
        assert path and fonts.covers(path, lang.sample) == len({c for c in lang.sample if not c.isspace()})


UNDRAWABLE = Language("zzx", "Test", "Testish", Script("Private Use", shaping=False),
                      "\U0010fffd\U0010fffc", ("Noto Sans Testish",), "fonts-noto-extra")


def test_a_language_no_installed_font_covers_stops_the_start_naming_the_package(monkeypatch):
    monkeypatch.setitem(languages.KNOWN, UNDRAWABLE.code, UNDRAWABLE)
    problems = fonts.language_problems([languages.KNOWN["vi"], UNDRAWABLE])
    assert problems == [
        "Testish (zzx): no installed font covers the Private Use script; install the Debian package "
        "fonts-noto-extra (font Noto Sans Testish), with fontconfig to find it"]
    bare = Flask(__name__)
    bare.config.update(CONTENT_LANGUAGES=("vi", "zzx"), MEDIA_MAX_PIXELS=1)
    with pytest.raises(ConfigError, match=r"Testish \(zzx\).*fonts-noto-extra"):
        init_app(bare)
    assert not bare.blueprints  # refused before wiring anything


def test_a_script_needing_shaping_is_refused_without_libraqm(monkeypatch):
    monkeypatch.setattr(fonts, "shaping_available", lambda: False)
    problems = fonts.language_problems([languages.KNOWN[c] for c in ("vi", "km")])
    assert len(problems) == 1 and problems[0].startswith("Khmer (km): the Khmer script needs complex text layout")
    assert "libfribidi0" in problems[0]


def test_check_fonts_lists_each_language_with_its_font(app):
    result = app.test_cli_runner().invoke(args=["content", "check-fonts", "--all"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert set(lines) == set(languages.KNOWN)
    assert "NotoSansKhmer" in lines["km"] and "NotoSansCham" in lines["cjm"]
    configured = app.test_cli_runner().invoke(args=["content", "check-fonts"]).output.splitlines()
    assert [line.split()[0] for line in configured] == list(app.config["CONTENT_LANGUAGES"])

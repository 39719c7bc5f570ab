"""The Pillow renderer: fitting text, diacritics, fonts per script, QR readability, render cache."""

from __future__ import annotations

import unicodedata

import pytest
from PIL import Image, ImageChops
from pyzbar.pyzbar import decode
from sqlalchemy import func, select

from content import api, fonts, renderer, rendering, workflow
from content.models import Render, Slide
from signage.extensions import db

LONG_VI = ("Ủy ban nhân dân tỉnh Bình Thuận thông báo: từ ngày 20 tháng 12, Tuần lễ Văn hóa – Du lịch diễn ra "
           "tại Mũi Né với nhiều hoạt động nghệ thuật, ẩm thực và thể thao biển. ") * 6
SIZES = [(1920, 1080), (1080, 1920), (1280, 720), (384, 64)]
TEMPLATES = ["title_body", "image_caption", "fullbleed_qr", "announcement", "emergency"]


def _spec(template="title_body", size=(1920, 1080), lang="vi", title="Thông báo", body=LONG_VI, qr=None):
    return {"template": template, "width": size[0], "height": size[1], "lang": lang, "title": title, "body": body,
            "caption": body[:120], "image": None, "qr": qr}


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("size", SIZES)
def test_long_text_shrinks_to_fit_inside_the_canvas(template, size):
    result = renderer.render(_spec(template, size, title=LONG_VI[:160]))
    assert result.image.size == size
    assert result.text_boxes, "nothing drawn"
    for name, (x0, y0, x1, y1) in result.text_boxes:
        assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1], (template, size, name)


def test_text_boxes_do_not_overlap_the_qr_code():
    result = renderer.render(_spec(qr="http://127.0.0.1:8000/q/1-1-abcdefgh"))
    qx0, qy0, qx1, qy1 = result.qr_box
    for name, (x0, y0, x1, y1) in result.text_boxes:
        assert x1 <= qx0 or x0 >= qx1 or y1 <= qy0 or y0 >= qy1, name


def test_fitting_uses_the_largest_size_that_fits():
    font, lines = renderer.fit_text("Mũi Né", (0, 0, 1000, 400), "vi", bold=True, max_px=300)
    assert font.size > 150 and lines == ["Mũi Né"]
    font_small, _ = renderer.fit_text(LONG_VI, (0, 0, 1000, 400), "vi", bold=True, max_px=300)
    assert font_small.size < font.size


def test_vietnamese_uses_a_font_with_every_diacritic():
    text = unicodedata.normalize("NFC", "Ễ Ỗ Ậ Ặ ỹ ữ ợ Đồi cát Mũi Né")
    path = fonts.font_for(text, "vi", bold=True)
    assert fonts.covers(path, text) == len({c for c in text if not c.isspace()})


OTHER_SCRIPTS = [("zh", "欢迎来到平顺省"), ("ko", "빈투언에 오신 것을 환영합니다"), ("ru", "Добро пожаловать")]


@pytest.mark.parametrize("lang,text", OTHER_SCRIPTS)
def test_other_scripts_get_a_font_that_has_their_glyphs(lang, text):
    path = fonts.font_for(text, lang)
    if lang in ("zh", "ko") and fonts.covers(path, text) < len(set(text.replace(" ", ""))):
        pytest.skip("no CJK font installed (Debian fonts-noto-cjk)")
    assert fonts.covers(path, text) == len(set(text.replace(" ", "")))


def test_vietnamese_diacritics_are_drawn_not_dropped():
    """NFD input is normalised to NFC by the forms; the marks change the pixels (a font without them would
    draw the bare letters or boxes of the same width)."""
    plain = renderer.render(_spec(title="Mui Ne", body="Bau Trang"))
    marked = renderer.render(_spec(title="Mũi Né", body="Bàu Trắng"))
    assert ImageChops.difference(plain.image.convert("RGB"), marked.image.convert("RGB")).getbbox() is not None


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1280, 720)])
def test_the_qr_code_decodes_at_every_screen_size(size):
    url = "http://127.0.0.1:8000/q/2f-8-0a1b2c3d"
    result = renderer.render(_spec("fullbleed_qr", size, qr=url))
    assert [c.data.decode() for c in decode(result.image)] == [url]


def test_the_ticker_strip_has_no_qr_and_one_fitted_text():
    result = renderer.render(_spec(size=(384, 64), qr="http://x/q/1"))
    assert result.qr_box is None and len(result.text_boxes) == 1


def test_unchanged_content_is_never_rendered_twice(app, demo):
    with app.app_context():
        slide = Slide(region_id=demo["BT"].id, name="s", texts={"title": {"vi": "Xin chào"}})
        db.session.add(slide)
        db.session.commit()
        slide.approval_state = "submitted"
        slide.on_air = workflow.snapshot(slide)
        slide.on_air_version = 1
        db.session.commit()
        for _ in range(3):
            api.ensure_renders("slide", slide.id, [(1280, 720), (1920, 1080)], ["vi"], [1, 2])
        assert db.session.scalar(select(func.count()).select_from(Render)) == 2  # no QR: one per size
        key = rendering.spec_key(rendering.slide_spec(slide.id, slide.on_air, 1280, 720, "vi", None))
        slide.on_air = {**slide.on_air, "texts": {"title": {"vi": "Xin chào!"}}}
        db.session.commit()
        assert rendering.spec_key(rendering.slide_spec(slide.id, slide.on_air, 1280, 720, "vi", None)) != key


def test_jpeg_output_is_a_jpeg():
    data = renderer.to_jpeg(renderer.render(_spec()).image)
    from io import BytesIO

    with Image.open(BytesIO(data)) as img:
        assert img.format == "JPEG"


def test_a_script_no_usual_font_has_falls_back_to_an_installed_font_that_has_it():
    thai = "สวัสดี"  # Thai: not in Noto Sans / DejaVu / CJK; fonts-noto-core ships Noto Sans Thai
    path = fonts.font_for(thai, "vi")
    assert fonts.covers(path, thai) == len(set(thai)), path

"""The theme's mark on a slide: drawn in the theme's colour with its name in the render's language, clear of the
title and the QR code, inside the frame (left out on running-text strips), and pinned by the approved snapshot."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image, ImageChops

from content import renderer, rendering, workflow
from content.models import Slide
from signage.extensions import db
from signage.themes import Theme, set_themes
from tests.content.conftest import submit_and_approve

GREEN, GREEN_HEX = (0, 200, 80), "#00c850"  # used by no template
TEMPLATES = ["title_body", "image_caption", "fullbleed_qr", "announcement", "emergency"]
SIZES = [(1920, 1080), (1080, 1920), (384, 64)]
QR = "http://127.0.0.1:8000/q/1-1-abcdefgh"
MARK = {"text": "Năm Du lịch Quốc gia Bình Thuận 2026", "colour": GREEN_HEX}


def _spec(template="title_body", size=(1920, 1080), mark=MARK, title="Lễ hội Nghinh Ông " * 4, qr=QR):
    return {"template": template, "width": size[0], "height": size[1], "lang": "vi", "title": title,
            "body": "Tháng Hai âm lịch tại La Gi. " * 8, "caption": "Mũi Né", "image": None, "qr": qr, "mark": mark}


def _green_pixels(image: Image.Image, box=None, tolerance=0) -> int:
    region = (image.crop(box) if box else image).convert("RGB")
    near = [band.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0)
            for band, c in zip(region.split(), GREEN, strict=True)]
    return ImageChops.multiply(ImageChops.multiply(near[0], near[1]), near[2]).histogram()[255]


def _apart(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("size", SIZES)
def test_the_mark_stays_inside_the_frame_clear_of_the_title_and_the_qr_code(template, size):
    w, h = size
    result = renderer.render(_spec(template, size))
    for name, (x0, y0, x1, y1) in result.text_boxes:
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (template, size, name)
    if size == (384, 64):  # the strip's one line is the message: no room for a legible mark beside it
        assert result.mark_box is None and _green_pixels(result.image) == 0
        assert [name for name, _ in result.text_boxes] == ["title"]
        return
    x0, y0, x1, y1 = result.mark_box
    assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    assert "mark" in dict(result.text_boxes)
    title = dict(result.text_boxes)["title"]
    assert _apart(result.mark_box, title), (template, size)
    assert _apart(result.mark_box, result.qr_box), (template, size)
    # the badge is in the theme's colour, at the top right of the frame
    assert x1 > w * 0.6 and y1 < h * 0.25
    assert _green_pixels(result.image, (round(w * 0.6), 0, w, round(h * 0.25))) > 500


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_mark_when_the_option_is_off(template):
    result = renderer.render(_spec(template, mark=None))
    assert result.mark_box is None and "mark" not in dict(result.text_boxes)
    assert _green_pixels(result.image) == 0


def test_a_spec_without_a_mark_keeps_the_render_key_of_before_marks():
    spec = _spec(mark=None)
    before = {k: v for k, v in spec.items() if k != "mark"}
    assert rendering.spec_key(spec) == rendering.spec_key(before)
    assert rendering.spec_key(_spec()) != rendering.spec_key(spec)
    assert rendering.spec_key(_spec()) != rendering.spec_key(_spec(mark={**MARK, "colour": "#ff0000"}))


def test_the_mark_is_in_the_language_of_the_render_else_vietnamese(app_ctx):
    snapshot = {"template": "title_body", "texts": {"title": {"vi": "Lễ hội", "en": "Festival", "ko": "축제"}},
                "theme_mark": {"names": {"vi": "Năm Du lịch", "en": "Visit Year"}, "colour": GREEN_HEX}}
    marks = {lang: rendering.slide_spec(1, snapshot, 1920, 1080, lang, None)["mark"] for lang in ("vi", "en", "ko")}
    assert marks == {"vi": {"text": "Năm Du lịch", "colour": GREEN_HEX},
                     "en": {"text": "Visit Year", "colour": GREEN_HEX},
                     "ko": {"text": "Năm Du lịch", "colour": GREEN_HEX}}
    assert rendering.slide_spec(1, {**snapshot, "theme_mark": None}, 1920, 1080, "en", None)["mark"] is None
    widths = {}
    for lang in ("vi", "en"):
        box = renderer.render(rendering.slide_spec(1, snapshot, 1920, 1080, lang, None)).mark_box
        widths[lang] = box[2] - box[0]
    assert widths["vi"] != widths["en"]  # a different name was drawn


def test_a_long_name_ends_with_an_ellipsis_at_a_legible_size():
    result = renderer.render(_spec(mark={"text": "Chuyển đổi số " * 20, "colour": GREEN_HEX}))
    assert result.mark_box[2] - result.mark_box[0] <= round(1920 * 0.4)
    x0, y0, x1, y1 = dict(result.text_boxes)["mark"]
    assert y1 - y0 >= renderer.MARK_MIN_PX // 2


def _themes(demo):
    first = Theme(region_id=demo["BT"].id, names={"vi": "Chuyển đổi số", "en": "Digital transformation"},
                  starts_on=date(2026, 1, 1), colour="#123456")
    main = Theme(region_id=demo["BT"].id, names={"vi": "Năm Du lịch", "en": "Visit Year"},
                 starts_on=date(2026, 1, 1), colour=GREEN_HEX, is_main=True)
    db.session.add_all([first, main])
    db.session.commit()
    return first, main


def test_the_approved_snapshot_pins_the_main_theme_of_the_slide(app, demo):
    with app.app_context():
        first, main = _themes(demo)
        slide = Slide(region_id=demo["BT-PT"].id, name="Lễ hội", texts={"title": {"vi": "Lễ hội Nghinh Ông"}},
                      theme_mark=True)
        db.session.add(slide)
        db.session.flush()
        set_themes("slide", slide.id, [first.id, main.id])
        db.session.commit()
        submit_and_approve(slide)
        pinned = {"names": {"vi": "Năm Du lịch", "en": "Visit Year"}, "colour": GREEN_HEX}
        assert slide.on_air["theme_mark"] == pinned
        # the theme changes and the slide is retagged: the glass keeps the approved mark until re-approval
        main.colour, main.names = "#ff0000", {"vi": "Khác"}
        set_themes("slide", slide.id, [first.id])
        db.session.commit()
        db.session.refresh(slide)
        assert slide.on_air["theme_mark"] == pinned
        spec = rendering.slide_spec(slide.id, slide.on_air, 1920, 1080, "vi", None)
        assert spec["mark"] == {"text": "Năm Du lịch", "colour": GREEN_HEX}
        assert workflow.snapshot(slide)["theme_mark"] == {"names": first.names, "colour": "#123456"}
        # off, or no theme: nothing recorded
        slide.theme_mark = False
        assert workflow.snapshot(slide)["theme_mark"] is None
        slide.theme_mark = True
        set_themes("slide", slide.id, [])
        assert workflow.snapshot(slide)["theme_mark"] is None


def test_turning_the_mark_on_sends_the_slide_back_to_review_and_the_proof_and_preview_show_it(app, demo, login):
    with app.app_context():
        _first, main = _themes(demo)
        slide = Slide(region_id=demo["BT-PT"].id, name="Lễ hội", texts={"title": {"vi": "Lễ hội Nghinh Ông"}})
        db.session.add(slide)
        db.session.flush()
        set_themes("slide", slide.id, [main.id])
        db.session.commit()
        submit_and_approve(slide)
        slide_id, main_id = slide.id, main.id
    client = login("phanthiet")
    page = f"/content/slides/{slide_id}"
    form = {"name": "Lễ hội", "region_id": demo["BT-PT"].id, "template": "title_body", "media_id": 0,
            "duration_s": 10, "title_vi": "Lễ hội Nghinh Ông", "themes": [main_id], "theme_mark": "y"}
    assert client.post_form(page, form, token_from=page).status_code == 302
    with app.app_context():
        slide = db.session.get(Slide, slide_id)
        assert slide.theme_mark and slide.approval_state == "draft"
        assert slide.on_air["theme_mark"] is None  # on air as approved, without the mark
    proof = Image.open(io.BytesIO(client.get(f"{page}/proof/1920x1080/vi.jpg").data)).convert("RGB")
    assert _green_pixels(proof, (1152, 0, 1920, 270), tolerance=24) > 500
    preview = client.post_form("/content/slides/preview", {**form, "preview_size": "1080x1920", "preview_lang": "vi"},
                               token_from=page)
    image = Image.open(io.BytesIO(preview.data)).convert("RGB")
    assert _green_pixels(image, (648, 0, 1080, 480), tolerance=24) > 500
    without = client.post_form("/content/slides/preview", {**form, "theme_mark": "", "preview_size": "1080x1920"},
                               token_from=page)
    assert _green_pixels(Image.open(io.BytesIO(without.data)).convert("RGB"), tolerance=24) == 0

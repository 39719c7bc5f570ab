"""Emoji in slide texts (issue 10's Unicode item, shown on the glass in issue 12): drawn in colour from Noto
Color Emoji, inside the text's box, and part of what a render's key depends on."""

from __future__ import annotations

from content import fonts, renderer, rendering

FESTIVAL = "Lễ hội 🎉 Mũi Né 🇻🇳"


def _coloured_pixels(image, box) -> int:
    """Pixels in the box that are neither the theme's white text nor its blue background (nor a blend)."""
    crop = image.crop(box).convert("HSV")
    return sum(1 for h, s, v in crop.get_flattened_data() if s > 120 and v > 120 and not 130 < h < 175)


def test_an_emoji_in_a_title_is_drawn_in_colour():
    spec = {"template": "title_body", "width": 1280, "height": 720, "lang": "vi", "title": FESTIVAL, "body": ""}
    result = renderer.render(spec)
    (_, box), = result.text_boxes
    assert _coloured_pixels(result.image, box) > 500  # a missing-glyph box is drawn in the text's white


def test_a_flag_and_a_skin_tone_stay_one_emoji_each():
    path = fonts.font_for(FESTIVAL, "vi", True)
    assert fonts.runs("Việt Nam 🇻🇳👍🏽", path) == [(False, "Việt Nam "), (True, "🇻🇳👍🏽")]
    assert path != fonts.emoji_font()  # the colour font (one bitmap size) never draws a whole text


def test_text_with_emoji_fits_inside_the_strip():
    result = renderer.render({"template": "title_body", "width": 384, "height": 64, "lang": "vi",
                              "title": "🎉🎉🎉 " + FESTIVAL * 3, "body": ""})
    for _, (x0, y0, x1, y1) in result.text_boxes:
        assert 0 <= x0 < x1 <= 384 and 0 <= y0 < y1 <= 64


def test_the_render_key_depends_on_the_emoji_font(monkeypatch):
    spec = {"template": "title_body", "width": 1280, "height": 720, "lang": "vi", "title": FESTIVAL}
    plain = dict(spec, title="Lễ hội Mũi Né")
    before = rendering.spec_key(spec), rendering.spec_key(plain)
    monkeypatch.setattr(fonts, "emoji_font", lambda: "/usr/share/fonts/other/Emoji.ttf")
    assert rendering.spec_key(spec) != before[0]  # another emoji font: the emoji slide renders again
    assert rendering.spec_key(plain) == before[1]  # a slide without emoji keeps its render

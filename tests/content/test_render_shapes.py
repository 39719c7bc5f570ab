"""Any photo shape in any template at any screen size renders, with every text inside the frame (issue 12)."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from content import renderer
from tests.conftest import csrf_token
from tests.content.conftest import make_photo, upload

QR = "http://127.0.0.1:8000/q/1-1-abcdefgh"
WORDS = ["Mũi", "Né", "Lễ", "hội", "Phan", "Thiết", "Trường", "Ỷ", "jour", "ƒ", "«Đồi»", "Hòn Rôm",
         "Kê Gà", "THANH LONG", "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", "—", "ỹ", "j,", "🎉", "🇻🇳", "👍🏽🐉"]
texts = st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join)
#: the issue's portrait photo (2000×3000) in the "photo with caption" box of a 1920×1080 screen
ISSUE_CASE = {"photo": (2000, 3000), "orientation": 1, "template": "image_caption", "size": (1920, 1080)}


def _photo_file(tmp_path, size: tuple[int, int], orientation: int):
    path = tmp_path / f"{size[0]}x{size[1]}-{orientation}.jpg"
    if not path.exists():
        path.write_bytes(make_photo(*size, exif_orientation=orientation if orientation != 1 else None))
    return path


def _inside(box, size) -> bool:
    x0, y0, x1, y1 = box
    return 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]


def test_a_portrait_photo_in_a_landscape_caption_box_renders(tmp_path):
    """The issue's case: the crop box came out 2000.0000000000002 px wide of a 2000 px photo (a 500)."""
    result = renderer.render({"template": "image_caption", "width": 1920, "height": 1080, "title": "Bàu Trắng",
                              "caption": "Đồi cát trắng", "qr": QR}, _photo_file(tmp_path, (2000, 3000), 1))
    assert result.image.size == (1920, 1080)
    assert result.image.getpixel((100, 100)) != renderer.THEMES["image_caption"]["bg"]  # the photo is there


def test_text_ink_reaching_left_of_the_pen_stays_inside_the_box():
    """"j" and "ƒ" draw left of where the pen stands: the line is moved right, not drawn over the edge."""
    out = renderer.Rendered(Image.new("RGB", (40, 60)))
    ink = renderer.draw_text(out, "caption", "j", (2, 1, 38, 59), "vi", (255, 255, 255), bold=True, max_px=60)
    assert ink[0] >= 2 and ink[2] <= 38


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(photo=st.tuples(st.integers(1, 2400), st.integers(1, 2400)), orientation=st.sampled_from([1, 6, 8]),
       template=st.sampled_from(sorted(renderer.THEMES)),
       size=st.one_of(st.sampled_from([(1920, 1080), (1080, 1920), (1280, 720), (384, 64), (64, 384)]),
                      st.tuples(st.integers(16, 2000), st.integers(16, 2000))),
       title=texts, caption=texts, qr=st.booleans(), mark=st.booleans())
@example(**ISSUE_CASE, title="Bàu Trắng", caption="Đồi cát", qr=True, mark=False)
def test_every_photo_shape_renders_in_every_template_with_text_inside_the_frame(
        tmp_path, photo, orientation, template, size, title, caption, qr, mark):
    spec = {"template": template, "width": size[0], "height": size[1], "lang": "vi", "title": title,
            "body": caption, "caption": caption, "qr": QR if qr else None,
            "mark": {"text": "Du lịch biển", "colour": "#0B6BCB"} if mark else None}
    result = renderer.render(spec, _photo_file(tmp_path, photo, orientation))
    assert result.image.size == size
    for name, box in result.text_boxes:
        assert _inside(box, size), (name, box)
    for box in (result.qr_box, result.mark_box):
        assert box is None or _inside(box, size)


def test_the_preview_of_a_portrait_photo_with_caption_answers_an_image(app, demo, login):
    client = login("phanthiet")
    answer = upload(client, [(make_photo(2000, 3000), "bau-trang.jpg")],
                    region_id=demo["BT-PT"].id)
    media_id = answer.get_json()["results"][0]["id"]
    token = csrf_token(client.get("/content/slides/new").get_data(as_text=True))
    response = client.post("/content/slides/preview", data={
        "csrf_token": token, "name": "", "region_id": demo["BT-PT"].id, "template": "image_caption",
        "media_id": media_id, "duration_s": 10, "title_vi": "Bàu Trắng", "caption_vi": "Đồi cát trắng",
        "preview_size": "1920x1080", "preview_lang": "vi"})
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as img:
        assert img.size == (1920, 1080)

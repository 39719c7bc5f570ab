"""Issue 3 "done when": an operator uploads a photo of Mũi Né, composes a Vietnamese/English slide with
a QR code, gets it approved, and sees correct renders at three sizes; the QR decodes to the tracked link."""

from __future__ import annotations

from urllib.parse import urlsplit

from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import select

from content import api, renderer, rendering, storage
from content.models import QrScan, Slide
from signage.extensions import db
from signage.models import Screen
from tests.content.conftest import make_photo, upload

TARGET = "https://dulich.binhthuan.gov.vn/mui-ne"


def _compose(client, media_id: int, region_id: int) -> int:
    response = client.post_form("/content/slides/new", {
        "name": "Mũi Né", "region_id": region_id, "template": "image_caption", "media_id": media_id,
        "qr_url": TARGET, "duration_s": 12,
        "title_vi": "Đồi cát Mũi Né", "body_vi": "", "caption_vi": "Bình minh trên đồi cát đỏ, cách Phan Thiết 20 km.",
        "title_en": "Mũi Né sand dunes", "caption_en": "Sunrise over the red dunes, 20 km from Phan Thiết.",
    }, token_from="/content/slides/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_operator_to_screen_with_a_scannable_qr(app, demo, login):
    operator, approver = login("phanthiet"), login("approver")

    result = upload(operator, [(make_photo(2400, 1600), "mui-ne.jpg")]).get_json()["results"][0]
    assert result["ok"]
    slide_id = _compose(operator, result["id"], demo["BT-PT"].id)
    with app.app_context():
        assert not api.is_schedulable("slide", slide_id)

    assert operator.post_form(f"/content/slides/{slide_id}/submit", {},
                              token_from=f"/content/slides/{slide_id}").status_code == 303
    queue = approver.get("/approvals/").get_data(as_text=True)
    assert "Mũi Né" in queue and "Trung tâm VH-TT-TT Phan Thiết" in queue  # who submitted it
    assert approver.post_form(f"/content/slides/{slide_id}/approve", {},
                              token_from=f"/content/slides/{slide_id}").status_code == 303

    with app.app_context():
        assert api.is_schedulable("slide", slide_id)
        assert api.item_languages("slide", slide_id) == ["vi", "en"]
        slide = db.session.get(Slide, slide_id)
        in_district = [s for s in db.session.scalars(select(Screen).order_by(Screen.id))
                       if s.region.path.startswith(demo["BT-PT"].path)]
        screens = {(s.width, s.height): s for s in reversed(in_district)}
        square = next(s for s in in_district if s.name.startswith("Quảng trường"))
        # approval queued renders for the district's screens in their languages (inline in tests)
        assert api.asset_for("slide", slide_id, square.width, square.height, "en", square.id) is not None
        for (width, height) in [(1920, 1080), (1080, 1920), (1280, 720)]:
            screen = screens[(width, height)]
            for lang in ("vi", "en"):
                # not rendered yet: None now, the job is queued (and runs inline in tests)
                asset = (api.asset_for("slide", slide_id, width, height, lang, screen.id)
                         or api.asset_for("slide", slide_id, width, height, lang, screen.id))
                assert asset is not None, (width, height, lang)
                path = storage.path_for(asset["sha256"], "jpg")
                with Image.open(path) as img:
                    assert img.size == (width, height) and img.format == "JPEG"
                    codes = decode(img)
                assert [c.type for c in codes] == ["QRCODE"]
                tracked = codes[0].data.decode()
                assert urlsplit(tracked).path.startswith("/q/")
                # the same spec lays every text inside the canvas
                spec = rendering.slide_spec(slide_id, slide.on_air, width, height, lang, screen.id)
                assert spec["qr"] == tracked
                laid_out = renderer.render(spec, storage.path_for(spec["image"]["sha256"], spec["image"]["ext"]))
                for name, (x0, y0, x1, y1) in laid_out.text_boxes:
                    assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (name, width, height)
                if lang == "en":
                    assert {n for n, _ in laid_out.text_boxes} == {"title", "body"}

    # a passer-by scans the QR on the 1080×1920 screen
    screen = screens[(1080, 1920)]
    with app.app_context():
        asset = api.asset_for("slide", slide_id, 1080, 1920, "vi", screen.id)
        with Image.open(storage.path_for(asset["sha256"], "jpg")) as img:
            tracked = decode(img)[0].data.decode()
    scan = app.test_client().get(urlsplit(tracked).path, headers={"User-Agent": "Zalo/1.0 (iPhone)"})
    assert scan.status_code == 302 and scan.headers["Location"] == TARGET
    with app.app_context():
        row = db.session.scalar(select(QrScan))
        assert (row.slide_id, row.screen_id, row.user_agent) == (slide_id, screen.id, "Zalo/1.0 (iPhone)")
    report = operator.get("/content/slides/scans").get_data(as_text=True)
    assert screen.name in report

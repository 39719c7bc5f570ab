"""Upload validation: files are judged by content; refused uploads leave nothing behind."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from sqlalchemy import func, select

from content.models import Media
from signage.extensions import db
from tests.content.conftest import make_mp4, make_photo, make_png_bomb, make_webm, stored_files, upload

SVG_WITH_SCRIPT = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"""


def _media_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Media))


def _refused(app, client, body: bytes, name: str, lang: str = "en") -> str:
    response = upload(client, [(body, name)], lang=lang)
    assert response.status_code == 400
    result = response.get_json()["results"][0]
    assert result["ok"] is False
    assert _media_count(app) == 0
    assert stored_files(app) == [], "a refused upload left a file behind"
    return result["message"]


def test_a_photo_is_accepted_and_stored_by_its_sha256(app, login):
    client = login("phanthiet")
    body = make_photo()
    response = upload(client, [(body, "mui-ne.jpg")])
    assert response.status_code == 200
    result = response.get_json()["results"][0]
    assert result["ok"] and result["created"]
    with app.app_context():
        media = db.session.get(Media, result["id"])
        assert (media.name, media.kind, media.mime, media.width, media.height) == (
            "mui-ne.jpg", "image", "image/jpeg", 1600, 1000)
        assert media.sha256 == hashlib.sha256(body).hexdigest()


def test_the_same_file_uploaded_twice_is_stored_once(app, login):
    client = login("phanthiet")
    body = make_photo()
    first = upload(client, [(body, "mui-ne.jpg")]).get_json()["results"][0]
    second = upload(client, [(body, "mui-ne-copy.jpg")]).get_json()["results"][0]
    assert second["id"] == first["id"] and second["created"] is False
    originals = [p for p in stored_files(app) if p.suffix == ".jpg" and p.stem == hashlib.sha256(body).hexdigest()]
    assert len(originals) == 1
    assert _media_count(app) == 1


def test_bulk_upload_reports_each_file(app, login):
    client = login("phanthiet")
    response = upload(client, [(make_photo(), "a.jpg"), (b"garbage" * 10, "b.jpg"), (make_photo(fmt="PNG"), "c.png")])
    results = response.get_json()["results"]
    assert [r["ok"] for r in results] == [True, False, True]
    assert _media_count(app) == 2


def test_a_corrupt_file_is_refused(app, login):
    truncated = make_photo()[:5000]
    message = _refused(app, login("phanthiet"), truncated, "mui-ne.jpg")
    assert "truncated or corrupt" in message


def test_random_bytes_named_jpg_are_refused(app, login):
    message = _refused(app, login("phanthiet"), bytes(range(256)) * 20, "photo.jpg")
    assert "Not a supported file" in message


def test_a_20000_by_20000_png_is_refused_as_too_many_pixels(app, login):
    message = _refused(app, login("phanthiet"), make_png_bomb(20000, 20000), "bomb.png")
    assert "too many pixels" in message


def test_refusals_are_explained_in_vietnamese_by_default(app, login):
    message = _refused(app, login("phanthiet"), make_photo()[:5000], "mui-ne.jpg", lang="vi")
    assert message == "Ảnh bị cắt cụt hoặc hỏng."  # needs compiled catalogs (make translations)


def test_an_svg_with_a_script_is_refused(app, login):
    message = _refused(app, login("phanthiet"), SVG_WITH_SCRIPT, "logo.svg")
    assert "script" in message.lower() or "SVG" in message


def test_an_svg_renamed_to_png_is_still_refused(app, login):
    _refused(app, login("phanthiet"), SVG_WITH_SCRIPT.replace(b"<script>alert(1)</script>", b""), "logo.png")


def test_html_is_refused(app, login):
    _refused(app, login("phanthiet"), b"<!doctype html><html><body>hi</body></html>", "page.jpg")


def test_a_jpeg_carrying_a_script_in_a_comment_is_refused(app, login):
    body = make_photo()
    polyglot = body[:2] + b"\xff\xfe\x00\x20<script>alert(1)</script>   " + body[2:]
    _refused(app, login("phanthiet"), polyglot, "polyglot.jpg")


def _noise_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_files_over_the_byte_limit_are_refused(app, login):
    app.config["MEDIA_MAX_IMAGE_BYTES"] = 10_000
    try:
        message = _refused(app, login("phanthiet"), _noise_png(), "big.png")
    finally:
        app.config["MEDIA_MAX_IMAGE_BYTES"] = 30 * 1024 * 1024
    assert "at most" in message


def test_an_h264_mp4_is_accepted_with_its_duration(app, login):
    result = upload(login("phanthiet"), [(make_mp4(12.5), "clip.mp4")]).get_json()["results"][0]
    assert result["ok"], result
    with app.app_context():
        media = db.session.get(Media, result["id"])
        assert (media.kind, media.mime, media.duration_s, media.default_duration_s) == ("video", "video/mp4", 12.5, 12)


def test_an_mp4_without_h264_is_refused(app, login):
    message = _refused(app, login("phanthiet"), make_mp4(3, codec=b"hev1"), "clip.mp4")
    assert "H.264" in message


def test_an_mp4_without_a_movie_header_is_refused(app, login):
    truncated = make_mp4()[:40]
    message = _refused(app, login("phanthiet"), truncated, "clip.mp4")
    assert "truncated or corrupt" in message


def test_a_webm_is_accepted_with_its_duration(app, login):
    result = upload(login("phanthiet"), [(make_webm(5.0), "clip.webm")]).get_json()["results"][0]
    assert result["ok"], result
    with app.app_context():
        media = db.session.get(Media, result["id"])
        assert (media.mime, media.duration_s) == ("video/webm", 5.0)


@pytest.mark.parametrize("fmt,mime", [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_are_accepted(app, login, fmt, mime):
    result = upload(login("phanthiet"), [(make_photo(fmt=fmt), "x.bin")]).get_json()["results"][0]
    with app.app_context():
        assert db.session.get(Media, result["id"]).mime == mime


def test_a_plain_form_post_without_files_explains(app, login):
    client = login("phanthiet")
    response = client.post_form("/content/media/upload", {}, token_from="/content/media/")
    assert response.status_code == 303
    page = client.get("/content/media/").get_data(as_text=True)
    assert "Choose at least one file" in page or "Hãy chọn ít nhất một tệp" in page

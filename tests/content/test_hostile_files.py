"""Hostile and broken files (issue 10): videos are read by a real demuxer and their first picture decoded,
a batch answers per file, upload names are cleaned, images are judged by decoding (not by scanning bytes),
high bit depths keep their tones, EXIF-rotated photos report their upright size, videos get a poster."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from content import media_service
from content.models import Media
from signage.extensions import db
from tests.content.conftest import make_mp4, make_photo, make_webm, stored_files, upload


def _media(app, name: str) -> Media:
    with app.app_context():
        media = db.session.scalar(select(Media).where(Media.name == name))
        db.session.expunge_all()
        return media


def _refusal(client, body: bytes, name: str) -> str:
    response = upload(client, [(body, name)])
    assert response.status_code == 400, response.status_code
    result = response.get_json()["results"][0]
    assert result["ok"] is False
    return result["message"]


def test_a_truncated_mp4_header_is_refused_with_a_message_not_a_500(app, login):
    message = _refusal(login("phanthiet"), make_mp4()[:1500], "clip.mp4")
    assert "truncated or corrupt" in message
    assert stored_files(app) == []


def test_an_mp4_whose_pictures_are_garbage_is_refused(app, login):
    body = bytearray(make_mp4())
    start = body.index(b"mdat") + 4
    body[start:start + 3000] = bytes(3000)  # the header is intact, the coded pictures are not
    assert "truncated or corrupt" in _refusal(login("phanthiet"), bytes(body), "clip.mp4")


def test_webm_magic_followed_by_garbage_is_refused(app, login):
    garbage = make_webm()[:40] + bytes(range(256)) * 40
    assert "truncated or corrupt" in _refusal(login("phanthiet"), garbage, "clip.webm")


def test_a_real_webm_reports_its_size_and_duration(app, login):
    result = upload(login("phanthiet"), [(make_webm(), "clip.webm")]).get_json()["results"][0]
    assert result["ok"] is True
    media = _media(app, "clip.webm")
    assert (media.width, media.height, media.duration_s) == (64, 48, 5.0)


def test_a_batch_with_one_broken_file_answers_per_file(app, login):
    response = upload(login("phanthiet"), [(make_photo(), "good.jpg"), (make_mp4()[:1500], "broken.mp4")])
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(r["name"], r["ok"]) for r in results] == [("good.jpg", True), ("broken.mp4", False)]


def test_a_video_gets_a_poster_frame_the_library_tile_shows(app, login):
    client = login("phanthiet")
    assert upload(client, [(make_mp4(), "poster.mp4")]).status_code == 200
    with app.app_context():
        media = db.session.scalar(select(Media).where(Media.name == "poster.mp4"))
        thumb = media_service.thumbnail_url(media)
    assert thumb is not None
    with Image.open(io.BytesIO(client.get(thumb).data)) as poster:
        assert poster.format == "JPEG" and poster.size == (64, 48)
    assert f'src="{thumb}"' in client.get("/content/media/").get_data(as_text=True)


def test_upload_names_are_cleaned(app, login):
    name = "../../" + "Phu\u031bo\u031b\u0323ng\x00" + "x" * 300 + ".jpg"  # NFD, a NUL, a path and 300+ characters
    result = upload(login("phanthiet"), [(make_photo(), name)]).get_json()["results"][0]
    assert result["ok"] is True
    with app.app_context():
        stored = db.session.get(Media, result["id"]).name
    assert stored.startswith("Phượng") and stored.endswith(".jpg")
    assert "\x00" not in stored and "/" not in stored and len(stored) <= media_service.NAME_MAX


def test_a_16_bit_grey_png_at_half_stays_grey(app, login):
    buffer = io.BytesIO()
    Image.new("I;16", (40, 30), 32768).save(buffer, "PNG")
    client = login("phanthiet")
    result = upload(client, [(buffer.getvalue(), "grey16.png")]).get_json()["results"][0]
    assert result["ok"] is True
    with app.app_context():
        thumb = media_service.thumbnail_url(db.session.get(Media, result["id"]))
    with Image.open(io.BytesIO(client.get(thumb).data)) as rendition:
        assert abs(rendition.convert("L").getpixel((5, 5)) - 128) <= 2


def _stored_png(row: bytes) -> bytes:
    """A valid greyscale PNG of one row, unfiltered and stored (not deflated): its pixel bytes appear as is."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", len(row), 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" + row, 0))
            + chunk(b"IEND", b""))


def test_a_valid_png_whose_bytes_contain_svg_markup_is_accepted(app, login):
    body = _stored_png(b"<svg onload=alert(1)> and <script>" + bytes(30))
    assert b"<svg " in body
    with Image.open(io.BytesIO(body)) as check:
        check.load()  # a valid PNG
    result = upload(login("phanthiet"), [(body, "noise.png")]).get_json()["results"][0]
    assert result["ok"] is True, result["message"]


def test_an_exif_rotated_photo_shows_its_displayed_size(app, login):
    client = login("phanthiet")
    result = upload(client, [(make_photo(1600, 1000, exif_orientation=6), "rotated.jpg")]).get_json()["results"][0]
    media = _media(app, "rotated.jpg")
    assert (media.width, media.height) == (1000, 1600)
    assert "1000×1600" in client.get(f"/content/media/{result['id']}").get_data(as_text=True)


def test_a_webm_recorded_without_a_duration_is_accepted(app, login):
    """Browsers' MediaRecorder writes no duration into the header: the video is fine, its length unknown."""
    import subprocess

    live = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                           "testsrc=size=64x48:rate=10:duration=1", "-c:v", "libvpx", "-f", "webm", "pipe:1"],
                          capture_output=True, check=True, timeout=60).stdout
    result = upload(login("phanthiet"), [(live, "live.webm")]).get_json()["results"][0]
    assert result["ok"] is True, result["message"]
    media = _media(app, "live.webm")
    assert (media.kind, media.width, media.duration_s) == ("video", 64, None)

"""Media library: serving with immutable caching, renditions, where-used, delete, search, scoping."""

from __future__ import annotations

import hashlib
import io
import os

from PIL import Image
from sqlalchemy import func, select

from content import jobs, rendering, storage
from content.models import Media, Render, Slide
from signage.extensions import db
from tests.content.conftest import make_photo, stored_files, upload


def _upload_one(client, body: bytes, name: str = "mui-ne.jpg", **form) -> int:
    result = upload(client, [(body, name)], **form).get_json()["results"][0]
    assert result["ok"], result
    return result["id"]


def test_media_files_are_served_immutable_with_a_strong_etag_and_304(app, login):
    body = make_photo()
    _upload_one(login("phanthiet"), body)
    sha = hashlib.sha256(body).hexdigest()
    http = app.test_client()
    response = http.get(f"/media/{sha}.jpg")
    assert response.status_code == 200 and response.data == body
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["ETag"] == f'"{sha}"'
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    assert http.get(f"/media/{sha}.jpg", headers={"If-None-Match": f'"{sha}"'}).status_code == 304


def test_unknown_or_malformed_media_names_are_404(app):
    http = app.test_client()
    assert http.get("/media/" + "0" * 64 + ".jpg").status_code == 404
    assert http.get("/media/../../etc/passwd").status_code == 404
    assert http.get("/media/abc.jpg").status_code == 404


def test_renditions_are_made_by_the_job_with_exif_orientation_applied_and_metadata_stripped(app, login):
    # 1600×1000 stored with EXIF "rotate 90° CW" (6) and a GPS position: the rendition is upright and clean
    body = make_photo(1600, 1000, exif_orientation=6, gps=True)
    media_id = _upload_one(login("phanthiet"), body)
    with app.app_context():
        media = db.session.get(Media, media_id)
        key = jobs.make_rendition(media_id, 1920, 1080)
        render = db.session.scalar(select(Render).where(Render.key == key))
        with Image.open(storage.path_for(render.sha256, render.ext)) as img:
            assert img.height > img.width, "EXIF orientation not applied"
            assert img.size == (675, 1080)
            assert not img.getexif(), "metadata left in the rendition"
            assert "icc_profile" not in img.info and "exif" not in img.info
        assert media.sha256 == hashlib.sha256(body).hexdigest()


def test_upload_enqueues_thumbnail_and_screen_size_renditions(app, demo, login):
    media_id = _upload_one(login("phanthiet"), make_photo())
    with app.app_context():
        media = db.session.get(Media, media_id)
        for width, height in [rendering.THUMB_SIZE, (1920, 1080), (1080, 1920), (1280, 720)]:
            assert rendering.find_render(rendering.rendition_key(media.sha256, width, height)) is not None
    page = login("phanthiet").get("/content/media/").get_data(as_text=True)
    assert "mui-ne.jpg" in page and "/media/" in page


def test_uploads_are_not_rendered_in_the_request(app, login):
    app.config["RQ_SYNC"] = False
    try:
        media_id = _upload_one(login("phanthiet"), make_photo())
    finally:
        app.config["RQ_SYNC"] = True
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Render)) == 0
        from signage.redis_client import get_queue

        assert any(job.args == (media_id,) for job in get_queue("default").jobs)


def test_search_by_name_and_tag(app, login):
    client = login("phanthiet")
    _upload_one(client, make_photo(), "mui-ne.jpg", tags="du lịch, Mũi Né")
    _upload_one(client, make_photo(800, 600), "cho.jpg", tags="chợ")
    page = client.get("/content/media/?q=mũi").get_data(as_text=True)
    assert "mui-ne.jpg" in page and "cho.jpg" not in page
    page = client.get("/content/media/?tag=chợ").get_data(as_text=True)
    assert "cho.jpg" in page and "mui-ne.jpg" not in page


def test_delete_is_refused_while_a_slide_uses_the_item(app, demo, login):
    client = login("phanthiet")
    media_id = _upload_one(client, make_photo())
    with app.app_context():
        db.session.add(Slide(region_id=demo["BT-PT"].id, name="Dùng ảnh", media_id=media_id,
                             texts={"title": {"vi": "x"}}))
        db.session.commit()
    page = client.get(f"/content/media/{media_id}").get_data(as_text=True)
    assert "Dùng ảnh" in page  # where is this used
    client.post_form(f"/content/media/{media_id}/delete", {}, token_from=f"/content/media/{media_id}")
    with app.app_context():
        assert db.session.get(Media, media_id) is not None


def test_delete_of_an_unused_item_removes_its_file(app, login):
    client = login("phanthiet")
    body = make_photo()
    media_id = _upload_one(client, body)
    sha = hashlib.sha256(body).hexdigest()
    response = client.post_form(f"/content/media/{media_id}/delete", {}, token_from=f"/content/media/{media_id}")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Media, media_id) is None
    assert not any(p.name == f"{sha}.jpg" for p in stored_files(app))


def test_another_district_cannot_see_the_item(app, login):
    media_id = _upload_one(login("phanthiet"), make_photo())
    hamtan = login("hamtan")
    assert hamtan.get(f"/content/media/{media_id}").status_code == 404
    assert "mui-ne.jpg" not in hamtan.get("/content/media/").get_data(as_text=True)


def test_uploading_into_another_districts_region_is_refused(app, demo, login):
    response = upload(login("hamtan"), [(make_photo(), "x.jpg")], region_id=str(demo["BT-PT"].id))
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Media)) == 0


def test_replacing_the_file_of_a_draft_keeps_the_item_and_drops_the_old_file(app, demo, login):
    """Nothing approved the old file, so nothing pins it (on air, see test_four_eyes)."""
    from tests.conftest import csrf_token

    client = login("phanthiet")
    old = make_photo(1600, 1000)
    media_id = _upload_one(client, old)
    new = make_photo(1200, 900, fmt="PNG")
    token = csrf_token(client.get(f"/content/media/{media_id}").get_data(as_text=True))
    response = client.post(f"/content/media/{media_id}/replace", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(new), "new.png")})
    assert response.status_code == 303
    with app.app_context():
        media = db.session.get(Media, media_id)
        assert (media.sha256, media.mime, media.width) == (hashlib.sha256(new).hexdigest(), "image/png", 1200)
        assert media.approval_state == "draft" and media.on_air is None
    assert not any(p.stem == hashlib.sha256(old).hexdigest() for p in stored_files(app))


def test_names_from_macos_nfd_filenames_are_stored_nfc_and_found(app, login):
    client = login("phanthiet")
    media_id = _upload_one(client, make_photo(), "Mu\u0303i Ne\u0301.jpg")
    with app.app_context():
        assert db.session.get(Media, media_id).name == "Mũi Né.jpg"
    assert "Mũi Né.jpg" in client.get("/content/media/?q=mũi").get_data(as_text=True)


def test_gc_removes_only_files_nothing_refers_to(app, login):
    from content.storage_gc import collect

    body = make_photo()
    _upload_one(login("phanthiet"), body)
    with app.app_context():
        _, orphan = storage.store_bytes(b"left by a crash", "jpg")
        _, fresh = storage.store_bytes(b"its row is being committed", "jpg")
        temp = storage.media_root() / "tmp" / "up-abandoned"
        temp.write_bytes(b"half an upload")
        for old in (orphan, temp):
            os.utime(old, (0, 0))
        assert collect() == {"orphans": 1, "temporary": 1}
        assert not orphan.exists() and not temp.exists() and fresh.exists()
        assert storage.path_for(hashlib.sha256(body).hexdigest(), "jpg").exists()

"""Migration 0009: media that were on air before the four-eyes rule stay on air (approved, with a snapshot of
their file), existing slide snapshots pin the file they have been showing, and nothing is lost on the way
(SQLite rebuilds content_media: no slide may lose its image to ON DELETE SET NULL)."""

from __future__ import annotations

import json

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from signage.extensions import db

BEFORE, AFTER = "0008_enum_checks", "0009_four_eyes"
PHOTO, FILM = "a" * 64, "b" * 64


#: Written as SQL for the schema at 0008 (the models have moved on since).
SLIDE_SNAPSHOT = {"version": 2, "name": "Mũi Né", "template": "image_caption", "texts": {"title": {"vi": "Mũi Né"}},
                  "media_id": 1, "qr_url": "", "duration_s": 10, "approved_at": "2026-01-01T00:00:00+00:00",
                  "previous": {"version": 1, "template": "image_caption", "texts": {}, "media_id": 1, "qr_url": ""}}
SEED = (
    "INSERT INTO region (id, code, name, parent_id, path) VALUES (1, 'T', 'T', NULL, '/1/')",
    "INSERT INTO content_media (id, region_id, name, sha256, ext, mime, kind, size, width, height, duration_s, "
    f"tags, created_at) VALUES (1, 1, 'Mũi Né', '{PHOTO}', 'jpg', 'image/jpeg', 'image', 1000, 1600, 1000, NULL, "
    "'[]', '2026-01-01 00:00:00')",
    "INSERT INTO content_media (id, region_id, name, sha256, ext, mime, kind, size, width, height, duration_s, "
    f"tags, created_at) VALUES (2, 1, 'Phim', '{FILM}', 'mp4', 'video/mp4', 'video', 9000, 1920, 1080, 12.5, "
    "'[]', '2026-01-01 00:00:00')",
)


def _seed() -> None:
    for statement in SEED:
        db.session.execute(text(statement))
    db.session.execute(text(
        "INSERT INTO content_slide (id, region_id, name, template, texts, media_id, qr_url, duration_s, on_air, "
        "on_air_version, created_at, updated_at, approval_state, review_comment) VALUES (1, 1, 'Mũi Né', "
        "'image_caption', '{}', 1, '', 10, :snap, 2, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'approved', '')"),
        {"snap": json.dumps(SLIDE_SNAPSHOT)})
    db.session.commit()


@pytest.mark.slow
def test_the_upgrade_keeps_existing_media_on_air_and_pins_the_images_slides_show(scratch_url):
    from content import api
    from content.models import Media
    from signage import create_app

    other = create_app({"DATABASE_URL": scratch_url, "TESTING": True})
    with other.app_context():
        try:
            upgrade(revision=BEFORE)
            _seed()
            upgrade(revision=AFTER)
            db.session.remove()

            photo, film = db.session.get(Media, 1), db.session.get(Media, 2)
            assert (photo.approval_state, photo.on_air_version, photo.review_comment) == \
                ("approved", 1, "approved before the four-eyes rule")
            assert (photo.on_air["sha256"], photo.on_air["ext"], photo.on_air["kind"]) == (PHOTO, "jpg", "image")
            assert (film.on_air["sha256"], film.on_air["duration_s"], film.self_approved) == (FILM, 12.5, False)
            assert api.is_schedulable("media", 1) and api.is_schedulable("media", 2)

            # read as SQL: today's Slide model may have columns added after 0009
            slide = db.session.execute(text("SELECT media_id, on_air, self_approved FROM content_slide")).one()
            on_air = json.loads(slide.on_air) if isinstance(slide.on_air, str) else slide.on_air
            assert slide.media_id == 1  # the table rebuild nulled nothing
            assert on_air["image"] == on_air["previous"]["image"] == {"sha256": PHOTO, "ext": "jpg"}
            assert on_air["texts"] == SLIDE_SNAPSHOT["texts"] and not slide.self_approved

            db.session.remove()
            downgrade(revision=BEFORE)
            db.session.remove()
            assert db.session.execute(text("SELECT media_id FROM content_slide")).scalar() == 1
            assert db.session.execute(text("SELECT count(*) FROM content_media")).scalar() == 2
        finally:
            db.session.remove()
            db.engine.dispose()

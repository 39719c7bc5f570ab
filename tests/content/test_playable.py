"""`content.api.playable`: what a screen plays for many items at once, in a fixed handful of queries."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager

from sqlalchemy import event

from content import api, rendering
from content.models import Media, Render, Slide
from signage.extensions import db
from tests.content.conftest import submit_and_approve


def _approved_slide(region_id: int, texts: dict) -> Slide:
    slide = Slide(region_id=region_id, name="Tháp Po Sah Inư", texts=texts)
    db.session.add(slide)
    db.session.commit()
    submit_and_approve(slide)
    return slide


def _image_with_rendition(region_id: int, n: int, width: int, height: int) -> Media:
    sha = hashlib.sha256(f"playable-{n}".encode()).hexdigest()
    media = Media(region_id=region_id, name=f"Ảnh {n}", sha256=sha, ext="jpg", mime="image/jpeg", kind="image",
                  size=1000 + n, width=width, height=height)
    key = rendering.rendition_key(sha, width, height)
    db.session.add_all([media, Render(key=key, sha256=hashlib.sha256(key.encode()).hexdigest(), ext="jpg",
                                      mime="image/jpeg", size=500, width=width, height=height)])
    return media


@contextmanager
def _queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_each_item_gets_its_file_per_language_it_has(app, demo):
    with app.app_context():
        slide = _approved_slide(demo["BT-PT"].id, {"title": {"vi": "Tháp Po Sah Inư", "en": "Po Sah Inu towers"}})
        video = Media(region_id=demo["BT-PT"].id, name="Phim", sha256="a" * 64, ext="mp4", mime="video/mp4",
                      kind="video", size=9000, width=1920, height=1080, duration_s=12.5)
        db.session.add(video)
        db.session.commit()
        submit_and_approve(video)
        keys = [("slide", slide.id), ("media", video.id)]
        api.playable(keys, 1280, 720, ["vi", "en", "ru"], 3)  # renders run inline in tests (RQ_SYNC)
        found = api.playable(keys, 1280, 720, ["vi", "en", "ru"], 3)

        shown = found[("slide", slide.id)]
        assert shown["name"] == "Tháp Po Sah Inư" and shown["kind"] == "image"
        assert sorted(shown["assets"]) == ["en", "vi"]  # no Russian text: no Russian file
        assert shown["assets"]["vi"]["sha256"] != shown["assets"]["en"]["sha256"]
        assert shown["assets"]["vi"] == {k: api.asset_for("slide", slide.id, 1280, 720, "vi", 3)[k]
                                         for k in ("url", "sha256", "size", "mime")}
        film = found[("media", video.id)]
        assert film["kind"] == "video" and film["duration_s"] == 12.5
        assert film["assets"]["ru"]["url"] == f"/media/{'a' * 64}.mp4"


def test_drafts_deleted_items_and_pending_renders_play_nothing(app, demo, monkeypatch):
    with app.app_context():
        draft = Slide(region_id=demo["BT-PT"].id, name="Nháp", texts={"title": {"vi": "Nháp"}})
        db.session.add(draft)
        db.session.commit()
        enqueued = []
        monkeypatch.setattr(rendering, "enqueue_once", lambda key, *job: enqueued.append(job[0]) or True)
        image = _image_with_rendition(demo["BT-PT"].id, 1, 1920, 1080)  # rendition for 1920×1080 only
        db.session.commit()
        submit_and_approve(image)

        found = api.playable([("slide", draft.id), ("slide", 999_999), ("media", image.id)], 1280, 720, ["vi"], 3)

        assert found == {("slide", draft.id): None, ("slide", 999_999): None, ("media", image.id): None}
        assert enqueued == ["content.jobs.make_rendition"]


def test_thirty_items_cost_the_same_queries_as_three(app, demo):
    with app.app_context():
        ids = [_image_with_rendition(demo["BT-PT"].id, n, 1920, 1080) for n in range(30)]
        db.session.commit()
        for media in ids:
            submit_and_approve(media)
        keys = [("media", m.id) for m in ids]

        counts = []
        for subset in (keys[:3], keys):
            db.session.expunge_all()
            with _queries() as statements:
                found = api.playable(subset, 1920, 1080, ["vi", "en"], None)
            counts.append(len(statements))
            assert all(found[k] is not None and sorted(found[k]["assets"]) == ["en", "vi"] for k in subset)

        assert counts[0] == counts[1] <= 3

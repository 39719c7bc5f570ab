"""Renders run in a real RQ worker process (never in the request); enqueueing is idempotent; demo content."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from content import api, storage, workflow
from content.demo import load_demo_content
from content.models import Media, Slide, Ticker
from signage.extensions import db
from signage.redis_client import get_queue
from tests.conftest import DEMO_DATA
from tests.content.conftest import make_photo, submit_and_approve, upload


@pytest.fixture
def async_jobs(app, service_env):
    """Jobs go to Redis for a real worker; media in the folder the worker process uses."""
    app.config.update(RQ_SYNC=False, MEDIA_ROOT=service_env["MEDIA_ROOT"])
    yield
    app.config["RQ_SYNC"] = True


def test_a_real_worker_renders_what_asset_for_enqueued_once(app, demo, async_jobs, worker_factory):
    with app.app_context():
        slide = Slide(region_id=demo["BT-PT"].id, name="Kê Gà", qr_url="https://binhthuan.gov.vn/",
                      texts={"title": {"vi": "Hải đăng Kê Gà"}, "body": {"vi": "Ngọn hải đăng cổ nhất Việt Nam."}})
        db.session.add(slide)
        db.session.commit()
        submit_and_approve(slide)
        queued = get_queue("default").count  # approval queued renders for the district's screens
        assert queued > 0
        for _ in range(3):
            assert api.asset_for("slide", slide.id, 800, 600, "vi", 3) is None
        assert get_queue("default").count == queued + 1, "the same render was enqueued more than once"
        slide_id = slide.id

    assert worker_factory(burst=True).wait(timeout=90) == 0
    with app.app_context():
        asset = api.asset_for("slide", slide_id, 800, 600, "vi", 3)
        assert asset is not None
        with Image.open(storage.path_for(asset["sha256"], "jpg")) as img:
            assert img.size == (800, 600)
        assert api.asset_for("slide", slide_id, 1280, 720, "vi", 3) is not None  # pre-rendered at approval


def test_a_real_worker_makes_the_renditions_of_an_upload(app, demo, login, async_jobs, worker_factory):
    result = upload(login("phanthiet"), [(make_photo(), "mui-ne.jpg")]).get_json()["results"][0]
    with app.app_context():
        submit_and_approve(db.session.get(Media, result["id"]))
        assert api.asset_for("media", result["id"], 1920, 1080, "vi", None) is None
    assert worker_factory(burst=True).wait(timeout=90) == 0
    with app.app_context():
        asset = api.asset_for("media", result["id"], 1920, 1080, "vi", None)
        assert asset["kind"] == "image" and asset["mime"] == "image/jpeg"
        with Image.open(storage.path_for(asset["sha256"], "jpg")) as img:
            assert img.size == (1600, 1000)  # fits 1920×1080 already: never upscaled, never cropped


def test_delete_is_refused_while_scheduling_says_the_item_is_on_air(app, demo, login, monkeypatch):
    import scheduling.api as scheduling_api

    result = upload(login("phanthiet"), [(make_photo(), "mui-ne.jpg")]).get_json()["results"][0]
    monkeypatch.setattr(scheduling_api, "item_in_use", lambda item_type, item_id: item_type == "media")
    client = login("phanthiet")
    page = f"/content/media/{result['id']}"
    client.post_form(f"{page}/delete", {}, token_from=page)
    with app.app_context():
        assert db.session.get(Media, result["id"]) is not None
    assert "In a schedule" in client.get(page).get_data(as_text=True) or "lịch" in client.get(page).get_data(
        as_text=True)


def test_demo_content_is_approved_renders_for_the_demo_screens_and_loads_once(app, demo):
    data = json.loads(DEMO_DATA.read_text(encoding="utf-8"))
    with app.app_context():
        assert load_demo_content(data) == {"slides": 2, "tickers": 1}
        assert load_demo_content(data) == {"slides": 0, "tickers": 0}
        items = api.schedulable_items(demo["BT"].id)
        assert sorted(i["type"] for i in items) == ["slide", "slide", "ticker"]
        slide = next(i for i in items if i["type"] == "slide")
        assert set(api.item_languages("slide", slide["id"])) == {"vi", "en", "ru"}
        assert api.asset_for("slide", slide["id"], 1920, 1080, "vi", 1) is not None
        ticker = db.session.query(Ticker).one()
        assert api.ticker_for(ticker.id)["texts"]["ru"].startswith("Добро пожаловать")


def test_after_a_new_approval_screens_keep_the_previous_file_until_the_new_one_is_rendered(app, demo, async_jobs):
    with app.app_context():
        slide = Slide(region_id=demo["BT-PT"].id, name="Phú Quý", texts={"title": {"vi": "Đảo Phú Quý"}})
        db.session.add(slide)
        db.session.commit()
        submit_and_approve(slide)
        from content import jobs

        jobs.render_slide(slide.id, 1280, 720, "vi", None)
        first = api.asset_for("slide", slide.id, 1280, 720, "vi", 3)
        assert first is not None

        slide.texts = {"title": {"vi": "Đảo Phú Quý — mùa cá"}}
        workflow.edited(slide)
        db.session.commit()
        submit_and_approve(slide)
        assert api.asset_for("slide", slide.id, 1280, 720, "vi", 3) == first  # v2 not rendered yet
        jobs.render_slide(slide.id, 1280, 720, "vi", None)
        second = api.asset_for("slide", slide.id, 1280, 720, "vi", 3)
        assert second is not None and second["sha256"] != first["sha256"]

"""The content contract used by scheduling and the player API (content/api.py)."""

from __future__ import annotations

from PIL import Image

from content import api, storage
from content.models import Slide, Ticker
from signage.extensions import db
from signage.signals import content_changed
from tests.content.conftest import submit_and_approve


def _approved_slide(demo, *, qr_url: str = "https://binhthuan.gov.vn/du-lich", region: str = "BT-PT") -> Slide:
    slide = Slide(region_id=demo[region].id, name="Chào mừng", template="title_body", qr_url=qr_url,
                  texts={"title": {"vi": "Chào mừng đến Bình Thuận", "en": "Welcome to Bình Thuận"},
                         "body": {"vi": "Biển xanh, cát trắng, nắng vàng.", "en": "Blue sea, white sand."}})
    db.session.add(slide)
    db.session.commit()
    submit_and_approve(slide)
    return slide


def test_a_draft_slide_is_not_schedulable(demo):
    slide = Slide(region_id=demo["BT-PT"].id, name="Nháp", texts={"title": {"vi": "Nháp"}})
    db.session.add(slide)
    db.session.commit()
    assert not api.is_schedulable("slide", slide.id)
    assert api.schedulable_items(demo["BT"].id) == []


def test_an_approved_slide_is_schedulable_in_its_region_subtree_only(demo):
    slide = _approved_slide(demo)
    assert api.is_schedulable("slide", slide.id)
    assert [i["id"] for i in api.schedulable_items(demo["BT"].id)] == [slide.id]
    assert [i["type"] for i in api.schedulable_items(demo["BT-PT"].id)] == ["slide"]
    assert api.schedulable_items(demo["BT-HT"].id) == []
    assert api.item_languages("slide", slide.id) == ["vi", "en"]


def test_asset_for_renders_once_then_answers_from_the_table(demo):
    slide = _approved_slide(demo)
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    with content_changed.connected_to(listener):
        # a size no screen has (approval pre-rendered those); RQ_SYNC runs the job inline
        assert api.asset_for("slide", slide.id, 800, 600, "en", 3) is None
        asset = api.asset_for("slide", slide.id, 800, 600, "en", 3)
    assert asset["mime"] == "image/jpeg" and asset["kind"] == "image"
    assert asset["url"] == f"/media/{asset['sha256']}.jpg"
    with Image.open(storage.path_for(asset["sha256"], "jpg")) as img:
        assert img.size == (800, 600)
    assert {"item_type": "slide", "item_id": slide.id} in heard


def test_ticker_for_gives_the_on_air_version(demo):
    ticker = Ticker(region_id=demo["BT"].id, name="Chạy chữ", texts={"vi": "Xin chào <b>", "en": ""})
    db.session.add(ticker)
    db.session.commit()
    assert api.ticker_for(ticker.id) is None
    submit_and_approve(ticker)
    assert api.ticker_for(ticker.id)["texts"] == {"vi": "Xin chào <b>"}

"""The approver sees exactly what approving puts on air: a proof per screen size and language of the
submitted version, and what changed since the version on air."""

from __future__ import annotations

import io

from PIL import Image

from content import workflow
from content.models import Slide
from signage.extensions import db
from tests.content.conftest import submit_and_approve


def _slide(demo, **texts) -> Slide:
    slide = Slide(region_id=demo["BT-PT"].id, name="Lễ hội", texts={"title": texts or {"vi": "Lễ hội Nghinh Ông"}})
    db.session.add(slide)
    db.session.commit()
    return slide


def test_changes_list_each_changed_field_and_language_against_the_version_on_air():
    approved = {"name": "A", "duration_s": 10, "texts": {"title": {"vi": "Cũ", "en": "Old"}, "body": {"vi": "x"}}}
    candidate = {"name": "A", "duration_s": 12, "texts": {"title": {"vi": "Mới", "en": "Old"}, "body": {"vi": "x"}}}
    assert workflow.changes(approved, candidate) == [
        {"field": "duration_s", "lang": None, "before": 10, "after": 12},
        {"field": "title", "lang": "vi", "before": "Cũ", "after": "Mới"},
    ]


def test_a_ticker_text_change_is_listed_per_language():
    assert workflow.changes({"texts": {"vi": "A", "en": "B"}}, {"texts": {"vi": "A", "en": "C"}}) == [
        {"field": "text", "lang": "en", "before": "B", "after": "C"}]


def test_the_review_shows_the_edit_against_the_approved_version_and_a_proof_per_size_and_language(app, demo, login):
    with app.app_context():
        slide = _slide(demo, vi="Lễ hội Nghinh Ông", en="Whale festival")
        submit_and_approve(slide)
        slide.texts = {"title": {"vi": "Lễ hội Nghinh Ông 2027", "en": "Whale festival"}}
        workflow.edited(slide)
        db.session.commit()
        slide_id = slide.id
    page = login("approver").get(f"/content/slides/{slide_id}").get_data(as_text=True)
    changes = page.split('id="review-changes"')[1].split("</table>")[0]
    assert "Lễ hội Nghinh Ông 2027" in changes and "Whale festival" not in changes
    # the demo's Phan Thiết screens are 1920×1080 and 1080×1920: both sizes, both languages
    for size in ("1920x1080", "1080x1920"):
        for lang in ("vi", "en"):
            assert f"/content/slides/{slide_id}/proof/{size}/{lang}.jpg" in page


def test_a_proof_is_the_submitted_version_at_that_size(app, demo, login):
    with app.app_context():
        slide_id = _slide(demo).id
    response = login("phanthiet").get(f"/content/slides/{slide_id}/proof/1080x1920/vi.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(response.data)).size == (1080, 1920)


def test_another_district_cannot_see_a_proof(app, demo, login):
    with app.app_context():
        slide_id = _slide(demo).id
    assert login("hamtan").get(f"/content/slides/{slide_id}/proof/1920x1080/vi.jpg").status_code == 404


def test_the_slide_page_header_offers_only_the_ui_languages(app, demo, login):
    """The slide's content languages (ru, zh, ko) are not languages of the operator UI."""
    with app.app_context():
        slide_id = _slide(demo).id
    page = login("phanthiet").get(f"/content/slides/{slide_id}").get_data(as_text=True)
    header = page.split("<main")[0]
    assert "English" in header and "Русский" not in header and "中文" not in header

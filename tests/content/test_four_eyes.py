"""Issue 15 §1, the content side: nothing goes on air without a second person — media used on their own
included — and an approval is of an exact version, the picture's bytes included.

Phan Thiết's operator (`phanthiet`) uploads and composes; the province approver (`approver`) approves.
Renders run inline (RQ_SYNC), so what `content.api` answers is what a player's manifest would carry.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask_login import login_user
from sqlalchemy import select

from content import api, render_gc, rendering, storage, storage_gc, workflow
from content.models import Media, Slide, Ticker
from signage.approval import ApprovalError
from signage.extensions import db
from signage.models import AuditLog, User
from signage.timeutil import utcnow
from tests.conftest import csrf_token
from tests.content.conftest import make_mp4, make_photo, submit_and_approve, upload


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _upload(client, body: bytes, name: str) -> int:
    result = upload(client, [(body, name)]).get_json()["results"][0]
    assert result["ok"], result
    return result["id"]


def _step(client, media_id: int, action: str, **form):
    """Press a button of the media page's approval card (submit, approve, reject)."""
    return client.post_form(f"/content/media/{media_id}/{action}", form, token_from=f"/content/media/{media_id}")


def _replace(client, media_id: int, body: bytes, name: str):
    import io

    token = csrf_token(client.get(f"/content/media/{media_id}").get_data(as_text=True))
    response = client.post(f"/content/media/{media_id}/replace", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(body), name)})
    assert response.status_code == 303
    return response


def _approved_upload(login, body: bytes, name: str) -> int:
    """Uploaded and submitted by Phan Thiết's operator, approved by the province approver."""
    operator = login("phanthiet")
    media_id = _upload(operator, body, name)
    _step(operator, media_id, "submit")
    _step(login("approver"), media_id, "approve")
    return media_id


def _photo_slide(region_id: int, media_id: int) -> Slide:
    slide = Slide(region_id=region_id, name="Đồi cát Mũi Né", template="image_caption", media_id=media_id,
                  texts={"title": {"vi": "Đồi cát Mũi Né"}, "caption": {"vi": "Bình minh trên đồi cát"}})
    db.session.add(slide)
    db.session.commit()
    submit_and_approve(slide)
    return slide


@contextmanager
def signed_in(app, username: str):
    with app.test_request_context():
        login_user(db.session.scalar(select(User).where(User.username == username)))
        yield


# ------------------------------------------------------------------ media are approved like slides


def test_an_upload_is_a_draft_that_cannot_be_scheduled_or_played(app, demo, login):
    media_id = _upload(login("phanthiet"), make_mp4(12.5), "le-hoi-nghinh-ong.mp4")
    with app.app_context():
        assert db.session.get(Media, media_id).approval_state == "draft"
        assert not api.is_schedulable("media", media_id)
        assert ("media", media_id) not in {(i["type"], i["id"]) for i in api.schedulable_items(demo["BT"].id)}
        assert api.asset_for("media", media_id, 1920, 1080, "vi", None) is None
        assert api.playable([("media", media_id)], 1920, 1080, ["vi"], None) == {("media", media_id): None}


def test_a_submitted_upload_waits_in_the_approvers_queue(app, demo, login):
    operator = login("phanthiet")
    media_id = _upload(operator, make_photo(), "mui-ne.jpg")
    assert 'id="submit-for-approval"' in operator.get(f"/content/media/{media_id}").get_data(as_text=True)
    _step(operator, media_id, "submit")

    approver = login("approver")
    assert f"/content/media/{media_id}" in approver.get("/approvals/").get_data(as_text=True)
    assert 'id="approve"' in approver.get(f"/content/media/{media_id}").get_data(as_text=True)
    with app.app_context():
        assert not api.is_schedulable("media", media_id)


def test_an_upload_approved_by_another_user_can_be_scheduled_and_plays_its_file(app, demo, login):
    body = make_mp4(12.5)
    media_id = _approved_upload(login, body, "le-hoi-nghinh-ong.mp4")
    with app.app_context():
        media = db.session.get(Media, media_id)
        assert (media.approval_state, media.on_air_version, media.on_air["sha256"]) == ("approved", 1, sha(body))
        assert api.is_schedulable("media", media_id)
        assert ("media", media_id) in {(i["type"], i["id"]) for i in api.schedulable_items(demo["BT"].id)}
        asset = api.asset_for("media", media_id, 1920, 1080, "vi", None)
        assert (asset["url"], asset["kind"], asset["duration_s"]) == (f"/media/{sha(body)}.mp4", "video", 12.5)


def test_the_uploader_cannot_approve_their_own_upload(app, demo, login):
    approver = login("approver")
    media_id = _upload(approver, make_photo(), "mui-ne.jpg")
    _step(approver, media_id, "submit")
    assert _step(approver, media_id, "approve").status_code == 303
    with app.app_context():
        media = db.session.get(Media, media_id)
        assert (media.approval_state, media.on_air) == ("submitted", None)
        assert not api.is_schedulable("media", media_id)


def test_a_rejected_upload_stays_off_air_with_the_reviewers_comment(app, demo, login):
    operator = login("phanthiet")
    media_id = _upload(operator, make_photo(), "mui-ne.jpg")
    _step(operator, media_id, "submit")
    _step(login("approver"), media_id, "reject", comment="Ảnh bị nghiêng")
    with app.app_context():
        media = db.session.get(Media, media_id)
        assert (media.approval_state, media.review_comment, media.on_air) == ("rejected", "Ảnh bị nghiêng", None)
        assert not api.is_schedulable("media", media_id)


# ------------------------------------------------------------------ approval is of the exact file


def test_replacing_an_approved_file_keeps_the_approved_one_on_the_glass(app, demo, login):
    old, new = make_mp4(12.5), make_mp4(20.0)
    media_id = _approved_upload(login, old, "phim.mp4")
    _replace(login("phanthiet"), media_id, new, "phim-moi.mp4")
    with app.app_context():
        media = db.session.get(Media, media_id)
        assert media.sha256 == sha(new) and media.approval_state == "draft"  # the new file waits for review
        asset = api.asset_for("media", media_id, 1920, 1080, "vi", None)
        assert (asset["url"], asset["sha256"], asset["duration_s"]) == (f"/media/{sha(old)}.mp4", sha(old), 12.5)
        played = api.playable([("media", media_id)], 1920, 1080, ["vi"], None)[("media", media_id)]
        assert played["assets"]["vi"]["sha256"] == sha(old) and played["duration_s"] == 12.5
    assert app.test_client().get(f"/media/{sha(old)}.mp4").status_code == 200  # still served to players


def test_a_replaced_image_keeps_its_approved_rendition_on_air(app, demo, login):
    old, new = make_photo(1600, 1000), make_photo(1200, 900, fmt="PNG")
    media_id = _approved_upload(login, old, "mui-ne.jpg")
    with app.app_context():
        before = api.asset_for("media", media_id, 1920, 1080, "vi", None)
        assert before is not None
    _replace(login("phanthiet"), media_id, new, "mui-ne.png")
    with app.app_context():
        assert api.asset_for("media", media_id, 1920, 1080, "vi", None) == before
        assert api.render_plan(db.session.get(Media, media_id), 1920, 1080, "vi", None)[0] == \
            rendering.rendition_key(sha(old), 1920, 1080)


def test_the_new_file_reaches_players_once_another_user_approves_it(app, demo, login):
    old, new = make_mp4(12.5), make_mp4(20.0)
    media_id = _approved_upload(login, old, "phim.mp4")
    operator = login("phanthiet")
    _replace(operator, media_id, new, "phim-moi.mp4")
    _step(operator, media_id, "submit")
    _step(login("approver"), media_id, "approve")
    with app.app_context():
        media = db.session.get(Media, media_id)
        assert media.on_air_version == 2
        assert api.asset_for("media", media_id, 1920, 1080, "vi", None)["url"] == f"/media/{sha(new)}.mp4"


def test_replacing_a_picture_sends_the_slides_showing_it_back_to_review_with_the_old_picture_on_air(
        app, demo, login):
    old, new = make_photo(1600, 1000), make_photo(1200, 900, fmt="PNG")
    media_id = _approved_upload(login, old, "mui-ne.jpg")
    with app.app_context():
        slide = _photo_slide(demo["BT-PT"].id, media_id)
        slide_id = slide.id
        assert slide.on_air["image"] == {"sha256": sha(old), "ext": "jpg"}  # the approval pinned the file
        before = api.asset_for("slide", slide_id, 1920, 1080, "vi", None)
        assert before is not None

    response = _replace(login("phanthiet"), media_id, new, "mui-ne.png")

    assert response.status_code == 303
    with app.app_context():
        slide = db.session.get(Slide, slide_id)
        assert slide.approval_state == "draft" and slide.on_air_version == 1
        assert slide.on_air["image"]["sha256"] == sha(old)
        assert rendering.slide_spec(slide_id, slide.on_air, 1920, 1080, "vi", None)["image"]["sha256"] == sha(old)
        assert api.asset_for("slide", slide_id, 1920, 1080, "vi", None) == before  # the same file on the glass


def test_a_slide_approved_again_after_the_replacement_shows_the_new_picture(app, demo, login):
    old, new = make_photo(1600, 1000), make_photo(1200, 900, fmt="PNG")
    media_id = _approved_upload(login, old, "mui-ne.jpg")
    with app.app_context():
        slide_id = _photo_slide(demo["BT-PT"].id, media_id).id
        before = api.asset_for("slide", slide_id, 1920, 1080, "vi", None)
    _replace(login("phanthiet"), media_id, new, "mui-ne.png")
    with app.app_context():
        slide = db.session.get(Slide, slide_id)
        submit_and_approve(slide)
        assert slide.on_air["image"] == {"sha256": sha(new), "ext": "png"}
        after = api.asset_for("slide", slide_id, 1920, 1080, "vi", None)
        assert after is not None and after["sha256"] != before["sha256"]


def test_the_replace_page_names_the_slides_sent_back_to_review(app, demo, login):
    media_id = _approved_upload(login, make_photo(1600, 1000), "mui-ne.jpg")
    with app.app_context():
        _photo_slide(demo["BT-PT"].id, media_id)
    operator = login("phanthiet")
    response = _replace(operator, media_id, make_photo(1200, 900, fmt="PNG"), "mui-ne.png")
    page = operator.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Đồi cát Mũi Né" in page and 'id="on-air-file"' in page


# ------------------------------------------------------------------ the nightly clean-up keeps pinned files


def _age(path) -> None:
    os.utime(path, (0, 0))  # older than any grace period


def test_the_nightly_clean_up_keeps_the_files_on_air_snapshots_pin(app, demo, login):
    old, new = make_photo(1600, 1000), make_photo(1200, 900, fmt="PNG")
    media_id = _approved_upload(login, old, "mui-ne.jpg")
    with app.app_context():
        slide_id = _photo_slide(demo["BT-PT"].id, media_id).id
        media_asset = api.asset_for("media", media_id, 1920, 1080, "vi", None)
        slide_asset = api.asset_for("slide", slide_id, 1920, 1080, "vi", None)
    _replace(login("phanthiet"), media_id, new, "mui-ne.png")
    with app.app_context():
        original = storage.path_for(sha(old), "jpg")
        assert original.exists()  # not removed on replacement: the snapshots pin it
        _age(original)

        storage_gc.collect(orphan_min_age_s=0)
        render_gc.collect(now=utcnow() + timedelta(days=60))

        assert original.exists()
        assert api.asset_for("media", media_id, 1920, 1080, "vi", None) == media_asset
        assert api.asset_for("slide", slide_id, 1920, 1080, "vi", None) == slide_asset
        for asset in (media_asset, slide_asset):
            assert storage.path_for(asset["sha256"], "jpg").exists()


def test_a_file_no_approved_version_shows_any_more_goes_with_the_nightly_clean_up(app, demo, login):
    old, new = make_mp4(12.5), make_mp4(20.0)
    media_id = _approved_upload(login, old, "phim.mp4")
    operator = login("phanthiet")
    _replace(operator, media_id, new, "phim-moi.mp4")
    _step(operator, media_id, "submit")
    _step(login("approver"), media_id, "approve")
    with app.app_context():
        original = storage.path_for(sha(old), "mp4")
        _age(original)
        assert storage_gc.collect(orphan_min_age_s=0)["orphans"] == 1
        assert not original.exists() and storage.path_for(sha(new), "mp4").exists()


# ------------------------------------------------------------------ the one-person centre


def _submitted_ticker(app, region, username: str) -> Ticker:
    ticker = Ticker(region_id=region.id, name="Lễ hội Dinh Thầy Thím", texts={"vi": "Lễ hội Dinh Thầy Thím"})
    db.session.add(ticker)
    db.session.commit()
    with signed_in(app, username):
        workflow.submit(ticker)
    return ticker


def test_approving_what_you_submitted_is_refused_by_default(app, demo):
    assert demo["BT-PT"].allow_self_approval is False
    ticker = _submitted_ticker(app, demo["BT-PT"], "approver")
    with signed_in(app, "approver"), pytest.raises(ApprovalError) as refused:
        workflow.approve(ticker)
    assert refused.value.code == "own_work"
    assert ticker.approval_state == "submitted" and ticker.on_air is None


def test_a_one_person_region_lets_its_approver_approve_their_own_work_marked_and_audited(app, demo):
    demo["BT-PT"].allow_self_approval = True
    db.session.commit()
    ticker = _submitted_ticker(app, demo["BT-PT"], "approver")
    with signed_in(app, "approver"):
        workflow.approve(ticker)
    assert ticker.approval_state == "approved" and ticker.on_air is not None
    assert ticker.self_approved is True
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "self_approved"))
    assert (entry.entity, entry.entity_id, entry.username) == ("Ticker", str(ticker.id), "approver")
    assert entry.region_path == demo["BT-PT"].path


def test_an_approval_by_someone_else_is_not_marked_self_approved(app, demo):
    demo["BT-PT"].allow_self_approval = True
    db.session.commit()
    ticker = _submitted_ticker(app, demo["BT-PT"], "operator")
    with signed_in(app, "approver"):
        workflow.approve(ticker)
    assert ticker.approval_state == "approved" and ticker.self_approved is False
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "self_approved")) is None


def test_the_exception_covers_the_regions_own_content_not_the_communes_below(app, demo):
    demo["BT-PT"].allow_self_approval = True
    db.session.commit()
    ticker = _submitted_ticker(app, demo["BT-PT-MN"], "approver")
    with signed_in(app, "approver"), pytest.raises(ApprovalError):
        workflow.approve(ticker)

"""Media across regions (issue 12): a district uses the province's approved media (read-only), the owner
moves an item to another region of their subtree (audited), and the library's tiles come as JSON for the
uploader and the thumbnail poll."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from content import jobs, rendering
from content.models import Media, Render
from scheduling.models import Playlist
from signage.extensions import db
from signage.models import AuditLog
from tests.content.conftest import make_photo, submit_and_approve, upload


def _province_photo(app, login, name="bien-phan-thiet.jpg", approve=True, body=None) -> int:
    result = upload(login("admin"), [(body or make_photo(), name)]).get_json()["results"][0]
    assert result["ok"], result
    if approve:
        with app.app_context():
            submit_and_approve(db.session.get(Media, result["id"]))
            db.session.commit()
    return result["id"]


def test_a_district_is_offered_the_provinces_approved_media_for_its_playlists_and_slides(app, login, demo):
    media_id = _province_photo(app, login)
    draft_id = _province_photo(app, login, "ban-nhap.jpg", approve=False, body=make_photo(900, 700))
    district = login("phanthiet")
    district.post_form("/schedule/playlists/new", {"name": "Quận", "region_id": demo["BT-PT"].id},
                       token_from="/schedule/playlists/new")
    with app.app_context():
        playlist_id = db.session.scalar(select(Playlist.id).where(Playlist.name == "Quận"))
    page = district.get(f"/schedule/playlists/{playlist_id}").get_data(as_text=True)
    assert f'value="media:{media_id}"' in page and f'value="media:{draft_id}"' not in page
    page = district.get("/content/slides/new").get_data(as_text=True)
    composer = re.search(r'<select[^>]*name="media_id".*?</select>', page, re.S).group(0)
    assert f'value="{media_id}"' in composer and f'value="{draft_id}"' not in composer
    assert district.get(f"/content/media/{media_id}").status_code == 404  # lent, not handed over


def test_the_owner_moves_an_item_to_a_district_and_the_audit_log_says_so(app, login, demo):
    media_id = _province_photo(app, login)
    admin = login("admin")
    response = admin.post_form(f"/content/media/{media_id}/move", {"region_id": demo["BT-PT"].id},
                               token_from=f"/content/media/{media_id}")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Media, media_id).region_id == demo["BT-PT"].id
        audit = db.session.scalar(select(AuditLog).where(AuditLog.entity == "Media", AuditLog.action == "update")
                                  .order_by(AuditLog.id.desc()))
    assert audit.username == "admin" and audit.after["region_id"] == demo["BT-PT"].id
    assert audit.before["region_id"] == demo["BT"].id
    assert login("phanthiet").get(f"/content/media/{media_id}").status_code == 200  # now the district's own


def test_a_district_cannot_move_its_item_out_of_its_subtree(app, login, demo):
    result = upload(login("phanthiet"), [(make_photo(), "cho.jpg")]).get_json()["results"][0]
    district = login("phanthiet")
    response = district.post_form(f"/content/media/{result['id']}/move", {"region_id": demo["BT-HT"].id},
                                  token_from=f"/content/media/{result['id']}")
    assert response.status_code in (403, 404)
    with app.app_context():
        assert db.session.get(Media, result["id"]).region_id == demo["BT-PT"].id


def test_tiles_json_gives_each_tile_and_its_thumbnail_once_made(app, login, demo):
    client = login("phanthiet")
    media_id = upload(client, [(make_photo(), "ke-ga.jpg")]).get_json()["results"][0]["id"]
    with app.app_context():  # as while the worker is busy: no thumbnail yet
        media = db.session.get(Media, media_id)
        db.session.execute(delete(Render).where(Render.key == rendering.rendition_key(media.sha256,
                                                                                      *rendering.THUMB_SIZE)))
        db.session.commit()
    before = client.get(f"/content/media/tiles.json?ids={media_id}").get_json()["tiles"]
    assert [t["id"] for t in before] == [media_id] and before[0]["thumb"] is None
    assert 'data-pending="1"' in before[0]["html"] and "ke-ga.jpg" in before[0]["html"]
    with app.app_context():
        jobs.make_rendition(media_id, *rendering.THUMB_SIZE)
    after = client.get(f"/content/media/tiles.json?ids={media_id}").get_json()["tiles"]
    assert after[0]["thumb"] and "data-pending" not in after[0]["html"] and after[0]["thumb"] in after[0]["html"]
    assert login("hamtan").get(f"/content/media/tiles.json?ids={media_id}").get_json()["tiles"] == []

"""Content through the real scheduling package: an approved slide on a screen's default playlist shows up
in the screen's manifest with its rendered files, the QR in them names that screen, and approving a new
version changes the manifest version (content_changed → manifest bump)."""

from __future__ import annotations

from urllib.parse import urlsplit

from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import select

from content import storage, workflow
from content.models import Slide
from content.qrlinks import parse_code
from scheduling import manifest, service
from scheduling.models import Playlist, PlaylistItem
from signage.extensions import db
from signage.models import Screen
from tests.content.conftest import submit_and_approve


def test_an_approved_slide_reaches_the_manifest_with_a_per_screen_qr(app, demo):
    with app.app_context():
        slide = Slide(region_id=demo["BT-PT"].id, name="Bàu Trắng", qr_url="https://binhthuan.gov.vn/bau-trang",
                      texts={"title": {"vi": "Bàu Trắng", "en": "White sand lake"},
                             "body": {"vi": "Sa mạc giữa lòng Bình Thuận.", "en": "A desert by the sea."}})
        db.session.add(slide)
        db.session.commit()
        submit_and_approve(slide)
        screen = db.session.scalar(select(Screen).where(Screen.width == 1280, Screen.height == 720))
        playlist = Playlist(region_id=demo["BT-PT"].id, name="Du lịch")
        db.session.add(playlist)
        db.session.flush()
        db.session.add(PlaylistItem(playlist_id=playlist.id, position=0, item_type="slide", item_id=slide.id))
        db.session.commit()
        service.set_default(screen, playlist.id)  # asks content to prepare the renders (inline in tests)

        before, _ = manifest.build_manifest(screen.id)
        item = before["fallback"]["items"][0]
        assert (item["item_type"], item["item_id"]) == ("slide", slide.id)
        assert set(item["assets"]) == {"vi", "en"}
        sha = item["assets"]["en"]["sha256"]
        with Image.open(storage.path_for(sha, "jpg")) as img:
            assert img.size == (1280, 720)
            tracked = decode(img)[0].data.decode()
        assert parse_code(urlsplit(tracked).path.rsplit("/", 1)[-1]) == (slide.id, screen.id)

        slide.texts = {"title": {"vi": "Bàu Trắng (mới)"}, "body": {"vi": "Sa mạc giữa lòng Bình Thuận."}}
        workflow.edited(slide)
        db.session.commit()
        assert manifest.build_manifest(screen.id)[0]["version"] == before["version"]  # drafts never go on air
        submit_and_approve(slide)
        after, _ = manifest.build_manifest(screen.id)
        assert after["version"] != before["version"]
        assert set(after["fallback"]["items"][0]["assets"]) == {"vi"}

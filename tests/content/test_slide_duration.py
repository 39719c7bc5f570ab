"""A slide plays as long as its composer said, through the real scheduling package (issue 12: 12 s played
for 10 s, the manifest never asked the slide and fell back to its default)."""

from __future__ import annotations

from sqlalchemy import select

from content.models import Slide
from scheduling import manifest, service
from scheduling.models import Playlist, PlaylistItem
from signage.extensions import db
from signage.models import Screen
from tests.content.conftest import submit_and_approve


def _slide_on_default(demo, *, duration_s: int, item_duration_s: float | None = None) -> tuple[Screen, Slide]:
    slide = Slide(region_id=demo["BT-PT"].id, name="Lễ hội", duration_s=duration_s,
                  texts={"title": {"vi": "Lễ hội Nghinh Ông"}, "body": {"vi": "Phan Thiết"}})
    db.session.add(slide)
    db.session.commit()
    submit_and_approve(slide)
    screen = db.session.scalar(select(Screen).where(Screen.width == 1280, Screen.height == 720))
    playlist = Playlist(region_id=demo["BT-PT"].id, name="Lễ hội")
    db.session.add(playlist)
    db.session.flush()
    db.session.add(PlaylistItem(playlist_id=playlist.id, position=0, item_type="slide", item_id=slide.id,
                                duration_s=item_duration_s))
    db.session.commit()
    service.set_default(screen, playlist.id)
    return screen, slide


def test_a_slide_plays_for_the_duration_set_in_the_composer(app, demo):
    with app.app_context():
        screen, _ = _slide_on_default(demo, duration_s=12)
        item = manifest.build_manifest(screen.id)[0]["fallback"]["items"][0]
        assert item["duration_s"] == 12.0


def test_a_playlist_items_own_duration_wins_over_the_slides(app, demo):
    with app.app_context():
        screen, _ = _slide_on_default(demo, duration_s=12, item_duration_s=7)
        assert manifest.build_manifest(screen.id)[0]["fallback"]["items"][0]["duration_s"] == 7.0

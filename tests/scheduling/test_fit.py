"""Videos of another shape than their screens (issue 12: a portrait screen cropped 16:9 video to its central
third with no warning): a fit per playlist item reaches the player, and scheduling such a video says what the
screens of another shape will show."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scheduling import shapes
from scheduling.models import Playlist
from tests.scheduling.conftest import manifest_of

RESORT = "Đường Nguyễn Đình Chiểu — khu resort Hàm Tiến"  # 1080×1920
STATION = "Ga Phan Thiết"  # 1920×1080


def test_a_landscape_video_fills_a_third_of_a_portrait_screen():
    assert shapes.share((1920, 1080), (1080, 1920)) == pytest.approx(0.316, abs=0.001)
    assert shapes.mismatch((1920, 1080), (1080, 1920)) and not shapes.mismatch((1280, 720), (1920, 1080))
    assert shapes.effective_fit(None, (1920, 1080), (1080, 1920)) == "contain"  # automatic: whole, not cropped
    assert shapes.effective_fit(None, (1280, 720), (1920, 1080)) == "cover"


def test_a_playlist_items_fit_reaches_the_screens_manifest(build, content, screens):
    content.add("media", 7, kind="video", duration_s=12)
    build.default(screens[RESORT], build.playlist("Video", [("media", 7, {"duration_s": None})]))
    playlist = build.playlist("Video cột", [("media", 7)])
    playlist.items[0].fit = "pillarbox"
    build.default(screens[STATION], playlist)
    assert manifest_of(screens[STATION].id)["fallback"]["items"][0]["fit"] == "pillarbox"
    assert manifest_of(screens[RESORT].id)["fallback"]["items"][0]["fit"] is None  # automatic


def _entry_form(playlist, screen, demo) -> dict:
    return {"name": "Video du lịch", "region_id": demo["BT-PT"].id, "playlist_id": playlist.id,
            "screens": [screen.id], "start_date": "2026-11-01", "days": list(range(7)), "recurrence": "daily",
            "priority": 50, "enabled": "y"}


def test_scheduling_a_landscape_video_on_a_portrait_screen_says_how_it_is_shown(login, build, content, screens,
                                                                               demo):
    content.add("media", 7, name="Mũi Né từ trên cao", kind="video", duration_s=12, size=(1920, 1080))
    playlist = build.playlist("Video", [("media", 7)], region=demo["BT-PT"])
    ui = login("phanthiet")
    response = ui.post_form("/schedule/entries/new", _entry_form(playlist, screens[RESORT], demo))
    assert response.status_code == 302
    page = ui.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mũi Né từ trên cao" in page and "1920×1080" in page and RESORT in page and "32%" in page


def test_a_video_added_to_fill_a_portrait_screen_is_warned_as_cropped(login, build, content, screens, demo):
    content.add("media", 7, name="Mũi Né từ trên cao", kind="video", duration_s=12, size=(1920, 1080))
    playlist = build.playlist("Video", [], region=demo["BT-PT"])
    build.default(screens[RESORT], playlist)
    ui = login("phanthiet")
    url = f"/schedule/playlists/{playlist.id}"
    response = ui.post_form(url, {"action": "add", "add-item": "media:7", "add-fit": "cover"})
    assert response.status_code == 302
    assert db_fit(playlist.id) == ["cover"]
    page = ui.get(url).get_data(as_text=True)
    assert "Mũi Né từ trên cao" in page and "32%" in page and RESORT in page


def test_an_items_fit_is_changed_in_the_playlist_and_an_unknown_one_refused(login, build, content, screens, demo):
    content.add("media", 7, name="Mũi Né từ trên cao", kind="video", duration_s=12, size=(1920, 1080))
    playlist = build.playlist("Video", [("media", 7)], region=demo["BT-PT"])
    ui = login("phanthiet")
    url = f"/schedule/playlists/{playlist.id}"
    action = f"{url}/items/{playlist.items[0].id}"
    assert 'name="fit"' in ui.get(url).get_data(as_text=True)
    assert ui.post_form(action, {"action": "fit", "fit": "pillarbox"}, token_from=url).status_code == 302
    assert db_fit(playlist.id) == ["pillarbox"]
    assert ui.post_form(action, {"action": "fit", "fit": "stretch"}, token_from=url).status_code == 400
    assert ui.post_form(action, {"action": "fit", "fit": ""}, token_from=url).status_code == 302
    assert db_fit(playlist.id) == [None]


def test_a_video_of_the_screens_shape_is_scheduled_without_a_warning(login, build, content, screens, demo):
    content.add("media", 7, name="Mũi Né từ trên cao", kind="video", duration_s=12, size=(1280, 720))
    playlist = build.playlist("Video", [("media", 7)], region=demo["BT-PT"])
    ui = login("phanthiet")
    response = ui.post_form("/schedule/entries/new", _entry_form(playlist, screens[STATION], demo))
    assert "Mũi Né từ trên cao" not in ui.get(response.headers["Location"]).get_data(as_text=True)


def db_fit(playlist_id: int) -> list:
    from signage.extensions import db

    db.session.expire_all()
    return [i.fit for i in db.session.scalar(select(Playlist).where(Playlist.id == playlist_id)).items]

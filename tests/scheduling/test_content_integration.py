"""The manifest with the real content package (content.api), not the stand-in used elsewhere."""

from __future__ import annotations

import hashlib

from scheduling import versions
from signage.extensions import db
from tests.content.conftest import submit_and_approve
from tests.scheduling.conftest import Builder, manifest_of

STATION, RAIL = "Bến xe Phan Thiết", "Ga Phan Thiết"


def _video(region_id: int, n: int):
    from content.models import Media

    sha = hashlib.sha256(f"video-{n}".encode()).hexdigest()
    media = Media(region_id=region_id, name=f"Phim {n}", sha256=sha, ext="mp4", mime="video/mp4", kind="video",
                  size=1000 + n, width=1920, height=1080, duration_s=25.0)
    db.session.add(media)
    db.session.commit()
    submit_and_approve(media)  # only approved media reach screens
    return media


def test_real_media_reaches_the_manifest_and_a_replacement_moves_only_its_screens(demo, screens):
    from content import workflow

    build = Builder(demo["BT"])
    video = _video(demo["BT"].id, 1)
    other = _video(demo["BT"].id, 2)
    build.default(screens[STATION], build.playlist("Phim", [("media", video.id)]))
    build.default(screens[RAIL], build.playlist("Khác", [("media", other.id)]))
    [item] = manifest_of(screens[STATION].id)["fallback"]["items"]
    assert item["kind"] == "video" and item["duration_s"] == 25.0 and item["name"] == "Phim 1"
    assert item["assets"]["vi"] == {"url": video.url, "sha256": video.sha256, "size": 1001, "mime": "video/mp4"}

    station_before, rail_before = versions.counter(screens[STATION].id), versions.counter(screens[RAIL].id)
    video.sha256 = hashlib.sha256(b"replacement").hexdigest()
    workflow.edited(video)  # what replacing a file does; the approved file stays on air until approval
    db.session.commit()
    submit_and_approve(video)  # approving the new file tells the screens showing the item
    assert versions.counter(screens[STATION].id) != station_before
    assert versions.counter(screens[RAIL].id) == rail_before
    [item] = manifest_of(screens[STATION].id)["fallback"]["items"]
    assert item["assets"]["vi"]["sha256"] == video.sha256

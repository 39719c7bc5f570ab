"""Render garbage collection: what screens and media still need stays, the rest goes after a grace period.

Renders run inline (RQ_SYNC) at frozen times; `collect` runs days later. Slides belong to Phan Thiết
(BT-PT), whose demo screens are 1920×1080, 1280×720 (Mũi Né, the only one), 1080×1920 and 384×64.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from content import api, media_service, render_gc, rendering, storage, workflow
from content.models import Media, Render, Slide
from signage.extensions import db
from signage.models import Screen
from signage.redis_client import get_queue
from signage.signals import content_changed
from signage.timeutil import local_tz, utcnow
from tests.content.conftest import make_photo, submit_and_approve

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Phan Thiết
DAY = timedelta(days=1)
MUI_NE = "Đồi cát Mũi Né — bãi đỗ xe"  # the only 1280×720 screen
TAN_NGHIA = "Trung tâm thị trấn Tân Nghĩa"  # in Hàm Tân, outside Phan Thiết


@dataclass(frozen=True)
class Row:
    key: str
    sha256: str
    ext: str
    size: int


def render_rows() -> dict[str, Row]:
    """Every Render row now, as plain values (rows deleted later are still readable here)."""
    db.session.expire_all()
    rows = db.session.execute(select(Render.key, Render.sha256, Render.ext, Render.size))
    return {key: Row(key, sha, ext, size) for key, sha, ext, size in rows}


def file_of(row: Row):
    return storage.path_for(row.sha256, row.ext)


def screen(name: str) -> Screen:
    return db.session.scalar(select(Screen).where(Screen.name == name))


def upload_photo(app, demo) -> Media:
    with app.test_request_context():
        media, _ = media_service.add_upload(io.BytesIO(make_photo()), "mui-ne.jpg", demo["BT-PT"].id, None)
    return media


def three_versions(app, demo, clock, **slide_fields) -> dict[str, dict[str, Row]]:
    """Version 1 approved at T0, 2 a day later, 3 two days later: renders of each, by key."""
    versions = {}
    before: dict[str, Row] = {}
    slide = Slide(region_id=demo["BT-PT"].id, name="Hải đăng Kê Gà", **slide_fields)
    for n, title in enumerate(("Hải đăng Kê Gà", "Hải đăng Kê Gà — giờ mở cửa", "Hải đăng Kê Gà — mùa lễ hội"), 1):
        clock.move_to(T0 + (n - 1) * DAY)
        slide.texts = {"title": {"vi": title}, "body": {"vi": "Ngọn hải đăng cổ nhất Việt Nam."}}
        if slide.id:
            workflow.edited(slide)
        db.session.add(slide)
        db.session.commit()
        submit_and_approve(slide)
        now = render_rows()
        versions[f"v{n}"] = {k: r for k, r in now.items() if k not in before}
        assert versions[f"v{n}"], "approval renders the new version for the district's screens"
        before = now
    return versions


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_a_superseded_slide_versions_renders_older_than_the_grace_period_go_with_their_files(app, demo, clock):
    versions = three_versions(app, demo, clock)
    files = [file_of(r) for r in versions["v1"].values()]
    assert all(f.exists() for f in files)

    clock.move_to(T0 + 9 * DAY)
    result = render_gc.collect()

    assert result.rows == len(versions["v1"]) and result.files == len(files)
    assert result.bytes == sum(r.size for r in versions["v1"].values())
    assert not set(versions["v1"]) & set(render_rows())
    assert not any(f.exists() for f in files)


def test_the_on_air_version_and_the_previous_one_screens_fall_back_to_are_kept(app, demo, clock):
    versions = three_versions(app, demo, clock)

    clock.move_to(T0 + 30 * DAY)
    render_gc.collect()

    rows = render_rows()
    for kept in (versions["v2"], versions["v3"]):
        assert set(kept) <= set(rows)
        assert all(file_of(r).exists() for r in kept.values())


def test_unneeded_renders_younger_than_the_grace_period_are_kept(app, demo, clock):
    versions = three_versions(app, demo, clock)  # version 1 rendered at T0

    clock.move_to(T0 + 7 * DAY - timedelta(minutes=1))
    assert render_gc.collect().rows == 0
    assert set(versions["v1"]) <= set(render_rows())


def test_the_grace_period_is_configurable(app, demo, clock):
    versions = three_versions(app, demo, clock)
    app.config["RENDER_GC_GRACE_DAYS"] = 30
    try:
        clock.move_to(T0 + 9 * DAY)
        assert render_gc.collect().rows == 0
    finally:
        app.config["RENDER_GC_GRACE_DAYS"] = 7
    assert set(versions["v1"]) <= set(render_rows())


def test_renditions_of_a_deleted_media_item_go_with_their_files(app, demo, clock):
    media = upload_photo(app, demo)
    renditions = render_rows()
    assert rendering.rendition_key(media.sha256, *rendering.THUMB_SIZE) in renditions
    with app.test_request_context():
        media_service.delete_media(media)

    clock.move_to(T0 + 8 * DAY)
    result = render_gc.collect()

    assert result.rows == len(renditions)
    assert render_rows() == {}
    assert not any(file_of(r).exists() for r in renditions.values())


def test_a_file_is_kept_while_a_media_item_has_the_same_bytes(app, demo, clock):
    media = upload_photo(app, demo)
    db.session.add(Render(key="a stale render that happens to be the photo itself", sha256=media.sha256,
                          ext=media.ext, mime=media.mime, size=media.size, width=media.width, height=media.height))
    db.session.commit()

    clock.move_to(T0 + 8 * DAY)
    result = render_gc.collect()

    assert result.rows == 1 and result.files == 0 and result.bytes == 0
    assert "a stale render that happens to be the photo itself" not in render_rows()
    assert storage.path_for(media.sha256, media.ext).exists()


def test_a_file_is_kept_while_another_render_has_the_same_bytes(app, demo, clock):
    media = upload_photo(app, demo)
    needed = render_rows()[rendering.rendition_key(media.sha256, 1920, 1080)]
    db.session.add(Render(key="stale copy", sha256=needed.sha256, ext=needed.ext, mime="image/jpeg",
                          size=needed.size, width=1920, height=1080))
    db.session.commit()

    clock.move_to(T0 + 8 * DAY)
    result = render_gc.collect()

    assert result.rows == 1 and result.files == 0
    rows = render_rows()
    assert "stale copy" not in rows and needed.key in rows
    assert file_of(needed).exists()


def test_renders_for_a_retired_screens_size_go_when_no_other_screen_has_that_size(app, demo, clock):
    media = upload_photo(app, demo)
    slide = Slide(region_id=demo["BT-PT"].id, name="Mũi Né", texts={"title": {"vi": "Đồi cát Mũi Né"}})
    db.session.add(slide)
    db.session.commit()
    submit_and_approve(slide)
    small = {rendering.rendition_key(media.sha256, 1280, 720),
             api.render_plan(slide, 1280, 720, "vi", None)[0]}
    large = {rendering.rendition_key(media.sha256, 1920, 1080),
             api.render_plan(slide, 1920, 1080, "vi", None)[0]}
    assert small | large <= set(render_rows())
    screen(MUI_NE).retired_at = utcnow()
    db.session.commit()

    clock.move_to(T0 + 8 * DAY)
    render_gc.collect()

    rows = render_rows()
    assert not small & set(rows)
    assert large <= set(rows)


def test_everything_approval_and_upload_render_for_screens_in_service_is_kept(app, demo, clock):
    """Slide renders in every language of every screen, renditions, thumbnails and the cover-fitted photo
    the slide was composed from (asked of the renderer, not guessed)."""
    media = upload_photo(app, demo)
    slide = Slide(region_id=demo["BT-PT"].id, name="Bàu Trắng", template="image_caption", media_id=media.id,
                  qr_url="https://binhthuan.gov.vn/", texts={"title": {"vi": "Bàu Trắng", "en": "White Lake",
                                                                       "ru": "Белое озеро"}})
    db.session.add(slide)
    db.session.commit()
    submit_and_approve(slide)
    made = render_rows()
    sources = {k for k in made if any(k == rendering.source_key(media.sha256, w, h)
                                      for w, h in render_gc.cover_boxes([(1920, 1080), (1280, 720), (1080, 1920)]))}
    assert sources, "the composer made cover-fitted sources"

    clock.move_to(T0 + 60 * DAY)
    assert render_gc.collect().rows == 0
    assert set(render_rows()) == set(made)


def test_a_district_slide_on_a_screen_outside_the_district_keeps_that_render(app, demo, clock):
    """A province playlist may show a Phan Thiết slide in Hàm Tân: the per-screen QR render is kept."""
    slide = Slide(region_id=demo["BT-PT"].id, name="Kê Gà", qr_url="https://binhthuan.gov.vn/",
                  texts={"title": {"vi": "Hải đăng Kê Gà"}})
    db.session.add(slide)
    db.session.commit()
    submit_and_approve(slide)
    far = screen(TAN_NGHIA)
    api.asset_for("slide", slide.id, far.width, far.height, "vi", far.id)  # what its manifest asks for
    key = api.render_plan(slide, far.width, far.height, "vi", far.id)[0]
    assert key in render_rows()

    clock.move_to(T0 + 8 * DAY)
    render_gc.collect()

    assert key in render_rows()


def test_the_dry_run_deletes_nothing_and_reports_what_a_real_run_frees(app, demo, clock):
    versions = three_versions(app, demo, clock)
    rows_before = set(render_rows())

    clock.move_to(T0 + 9 * DAY)
    out = app.test_cli_runner().invoke(args=["content", "gc", "--dry-run"])

    assert out.exit_code == 0, out.output
    size = sum(r.size for r in versions["v1"].values())
    n = len(versions["v1"])
    assert f"{n} renders, {n} files, {size} bytes" in out.output and "would be freed" in out.output
    assert set(render_rows()) == rows_before
    assert all(file_of(r).exists() for r in versions["v1"].values())
    real = app.test_cli_runner().invoke(args=["content", "gc"])
    assert f"{n} renders, {n} files, {size} bytes" in real.output and " freed" in real.output


def test_a_run_whose_keys_match_nothing_on_air_deletes_nothing(app, demo, clock):
    """Run with another PUBLIC_BASE_URL (or SECRET_KEY) than the server, every QR code and so every key
    differs: the run refuses instead of deleting the files screens play."""
    versions = three_versions(app, demo, clock, qr_url="https://binhthuan.gov.vn/")
    rows_before = set(render_rows())
    saved = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = "http://localhost:5000"
    try:
        clock.move_to(T0 + 9 * DAY)
        out = app.test_cli_runner().invoke(args=["content", "gc"])
    finally:
        app.config["PUBLIC_BASE_URL"] = saved
    assert out.exit_code != 0 and "not configured like the server" in out.output
    assert set(render_rows()) == rows_before
    assert all(file_of(r).exists() for r in versions["v1"].values())


@pytest.fixture
def scheduler_queue(app_ctx):
    """Jobs go to Redis (no inline runs) so the RQ scheduler's registry can be read."""
    app_ctx.config["RQ_SYNC"] = False
    yield ScheduledJobRegistry(queue=get_queue(render_gc.DAILY.queue))
    app_ctx.config["RQ_SYNC"] = True


def test_a_content_change_plans_one_run_at_three_in_the_morning_local_time(app, scheduler_queue, clock):
    for item_id in (1, 2):
        content_changed.send(app, item_type="slide", item_id=item_id)

    assert scheduler_queue.get_job_ids() == ["content-render-gc-20260303"]
    when = scheduler_queue.get_scheduled_time("content-render-gc-20260303")
    assert when.astimezone(local_tz()) == datetime(2026, 3, 3, 3, 0, tzinfo=local_tz())


def test_a_starting_worker_plans_the_run_on_a_fresh_install(app, scheduler_queue, clock):
    from signage.signals import worker_starting

    worker_starting.send(app)

    # other packages plan their own periodic jobs on the same signal (reports, the offline sweeper, ...)
    assert [j for j in scheduler_queue.get_job_ids() if j.startswith("content-")] == ["content-render-gc-20260303"]


def test_the_daily_run_plans_the_next_one(app, demo, scheduler_queue, clock):
    clock.move_to(datetime(2026, 3, 3, 3, 0, 2, tzinfo=local_tz()))
    assert render_gc.daily_job()["rows"] == 0
    assert scheduler_queue.get_job_ids() == ["content-render-gc-20260304"]


def test_a_real_worker_runs_the_planned_job_from_the_scheduler(app, demo, service_env, worker_factory):
    app.config.update(RQ_SYNC=False, MEDIA_ROOT=service_env["MEDIA_ROOT"])
    try:
        with app.app_context():
            sha, path = storage.store_bytes(b"a slide nobody shows any more", "jpg")
            db.session.add(Render(key="superseded", sha256=sha, ext="jpg", mime="image/jpeg", size=29, width=8,
                                  height=8, created_at=utcnow() - 30 * DAY))
            db.session.commit()
            queue = get_queue(render_gc.DAILY.queue)
            queue.enqueue_at(utcnow() - timedelta(seconds=1), render_gc.DAILY.func, job_id="content-render-gc-due")

        assert worker_factory(burst=True).wait(timeout=90) == 0

        with app.app_context():
            job = queue.fetch_job("content-render-gc-due")
            assert job.get_status() == "finished" and job.return_value()["rows"] == 1
            assert "superseded" not in render_rows() and not path.exists()
            planned = [j for j in ScheduledJobRegistry(queue=queue).get_job_ids() if j.startswith("content-")]
            assert planned == [render_gc.DAILY.job_id(render_gc.DAILY.next_run(utcnow()))]
    finally:
        app.config["RQ_SYNC"] = True

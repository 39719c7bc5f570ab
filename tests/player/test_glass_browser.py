"""What the glass shows, in real headless Chromium against the controller under gunicorn (issue 13, done
when): a playing player's capture matches a screenshot of the same moment (same item, same running text,
same alert), and the remote commands "identify" and "blank hours" act on the glass within seconds."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta

import pytest
from PIL import Image, ImageChops, ImageStat
from sqlalchemy import func, select

from tests.player.test_player_browser import wait_for

pytestmark = pytest.mark.browser
STATION = "Ga Phan Thiết"  # 1920×1080, vi + en
SIZE = (960, 540)
FREEZE = "document.getAnimations().forEach(a => a.pause())"  # the same moment for the screenshot and the capture


def open_player(chromium, base: str, size: tuple[int, int], token: str):
    # bypass_csp: the test's own probes (wait_for_function) are evaluated strings the page's CSP forbids
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]}, locale="vi-VN",
                                   service_workers="allow", bypass_csp=True)
    context.add_init_script(f"localStorage.setItem('signage.player.token', {token!r})")
    page = context.new_page()
    page.goto(f"{base}/play")
    return context, page


def _latest_capture(app, screen_id: int, after_id: int = 0, timeout_s: float = 10):
    from players.models import Capture
    from signage.extensions import db

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with app.app_context():
            row = db.session.scalar(select(Capture).where(Capture.screen_id == screen_id, Capture.id > after_id)
                                    .order_by(Capture.id.desc()))
            if row is not None:
                return row.id, Image.open(io.BytesIO(row.jpeg)).convert("RGB"), dict(row.shows)
        time.sleep(0.1)
    raise AssertionError("no capture arrived")


def _difference(capture: Image.Image, screenshot: Image.Image) -> float:
    """Mean absolute difference per channel (0–255) of the two pictures at the capture's size."""
    shot = screenshot.convert("RGB").resize(capture.size, Image.Resampling.BILINEAR)
    return sum(ImageStat.Stat(ImageChops.difference(capture, shot)).mean) / 3


def _moment(app, page, screen_id: int, after_id: int):
    page.evaluate(FREEZE)
    screenshot = Image.open(io.BytesIO(page.screenshot()))
    assert page.evaluate("window.__player.capture('request')")
    found = _latest_capture(app, screen_id, after_id)
    page.evaluate("document.getAnimations().forEach(a => a.play())")
    return screenshot, found


def test_the_capture_matches_the_glass_with_its_item_running_text_and_alert(app, chromium, controller, demo,
                                                                           on_air, paired):
    from alerts.service import raise_alert
    from tests.alerts.conftest import signed_in

    screen = on_air.screen(STATION, poll_interval=5)
    image = on_air.image("MŨI NÉ", 1)
    ticker = on_air.ticker({"vi": "Chào mừng đến Bình Thuận", "en": "Welcome to Binh Thuan"}, speed_px_s=60)
    on_air.schedule(on_air.playlist("Kính", [("media", image, 600), ("ticker", ticker.id, 600)]), screen)
    screen_id, token = paired(STATION)
    context, page = open_player(chromium, controller.url, SIZE, token)
    try:
        wait_for(page, "!document.querySelector('#ticker').hidden && window.__player.state.current", 25)
        page.wait_for_timeout(1200)  # the fade-in is over
        screenshot, (capture_id, capture, shows) = _moment(app, page, screen_id, 0)
        assert capture.size == (640, 360)  # a small JPEG, at most 640 px wide, in the glass's proportions
        assert _difference(capture, screenshot) < 12
        assert (shows["item_type"], shows["item_id"]) == ("media", image)
        assert shows["ticker"] == page.evaluate("document.querySelector('#ticker .unit').textContent")
        assert shows["alert"] is None

        with signed_in(app, "operator"):
            raise_alert(region_id=demo["BT-PT"].id, duration_s=600,
                        messages={"vi": "Triều cường: tránh xa bờ biển.", "en": "Storm surge: keep off the beach."})
        wait_for(page, "!document.querySelector('#alert').hidden", 10)
        screenshot, (_, capture, shows) = _moment(app, page, screen_id, capture_id)
        assert _difference(capture, screenshot) < 12  # the alert text is drawn by canvas, wrapped alike
        assert shows["alert"]["title"] == page.evaluate("document.querySelector('.alert-title').textContent")
        red = capture.getpixel((capture.width // 2, capture.height - 12))
        assert red[0] > 140 and red[1] < 60 and red[2] < 60  # the alert's red covers the glass, as on the page
    finally:
        context.close()


def test_identify_capture_now_and_blank_hours_act_on_the_glass_within_seconds(app, chromium, controller, on_air,
                                                                            paired):
    from players import commands
    from players.models import BlankHours, BlankPeriod
    from signage.extensions import db
    from signage.timeutil import local_tz

    screen = on_air.screen(STATION, poll_interval=5)
    on_air.default(screen, on_air.playlist("Mặc định", [("media", on_air.image("HÒN RƠM", 2), 600)]))
    screen_id, token = paired(STATION)
    context, page = open_player(chromium, controller.url, SIZE, token)
    try:
        wait_for(page, "window.__player.state.current && window.__player.control.counters.received >= 1", 25)

        sent = time.monotonic()
        commands.send(screen, "identify", None)
        wait_for(page, "!document.querySelector('#identify').hidden", 6)
        assert time.monotonic() - sent < 6
        assert page.evaluate("document.querySelector('#identify .identify-code').textContent") == f"#{screen_id}"
        assert page.evaluate("document.querySelector('#identify .identify-name').textContent") == STATION
        page.evaluate("document.querySelector('#identify').hidden = true")  # a technician saw it

        sent = time.monotonic()
        command = commands.send(screen, "capture", None)  # "show me now"
        capture_id, _image, shows = _latest_capture(app, screen_id, timeout_s=6)
        assert time.monotonic() - sent < 6 and shows["name"]
        with app.app_context():
            from players.models import Capture, Command

            assert db.session.get(Capture, capture_id).reason == "request"
            assert db.session.get(Command, command.id).status == "acknowledged"

        now = datetime.now(local_tz())
        sent = time.monotonic()
        commands.set_blank_hours(screen=screen, starts=(now - timedelta(hours=1)).time().replace(second=0,
                                 microsecond=0), ends=(now + timedelta(hours=1)).time().replace(second=0,
                                 microsecond=0), user_id=None)
        wait_for(page, "!document.querySelector('#blankout').hidden", 6)
        assert time.monotonic() - sent < 6
        page.wait_for_timeout(300)
        glass = Image.open(io.BytesIO(page.screenshot())).convert("L")
        assert ImageStat.Stat(glass).mean[0] < 3  # dark

        commands.delete_blank_hours(db.session.scalar(select(BlankHours)))
        page.evaluate("window.__player.control.checkBlank()")  # the next 15-second check, now
        wait_for(page, "document.querySelector('#blankout').hidden", 10)
        page.evaluate("window.__player.flush()")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with app.app_context():
                if db.session.scalar(select(func.count()).select_from(BlankPeriod)):
                    break
            time.sleep(0.2)
        with app.app_context():
            period = db.session.scalar(select(BlankPeriod).where(BlankPeriod.screen_id == screen_id))
        assert period is not None and period.duration_s > 0  # proof of play has the dark time
    finally:
        context.close()

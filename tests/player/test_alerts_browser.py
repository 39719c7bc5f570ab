"""Alerts in real headless Chromium against the controller under gunicorn: the official styling of an urgent
announcement, an emergency covering it, each acknowledged with the time it reached the glass, and an
emergency that expires while the controller is down leaving the glass on the player's own clock."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.alerts.conftest import signed_in
from tests.conftest import browser_sign_in
from tests.player.test_player_browser import ARTIFACTS, open_player, wait_for

pytestmark = pytest.mark.browser
STATION = "Ga Phan Thiết"  # 1920×1080, vi + en

ALERT_STATE = """() => {
  const el = document.getElementById('alert');
  return { hidden: el.hidden, level: el.getAttribute('data-level'), title: el.querySelector('.alert-title').textContent,
           body: el.querySelector('.alert-body').textContent, background: getComputedStyle(el).backgroundColor };
}"""


def _acks(alert_id: int) -> dict:
    from alerts.acks import acks_for

    return acks_for(alert_id)


def _wait_for_ack(app, alert_id: int, screen_id: int, timeout_s: float = 10):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with app.app_context():
            found = _acks(alert_id).get(screen_id)
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no acknowledgement of alert {alert_id} by screen {screen_id}")


def test_official_styling_emergency_cover_acknowledgements_and_expiry_without_the_controller(
        app, chromium, controller, demo, paired):
    from alerts.models import EmergencyAlert
    from alerts.service import raise_alert
    from signage.extensions import db
    from signage.timeutil import utcnow

    screen_id, token = paired(STATION)
    context, page = open_player(chromium, controller.url, (1920, 1080), token=token)
    wait_for(page, "window.__player && window.__player.alerts.counters.polls >= 1", 20)

    with signed_in(app, "operator"):
        notice = raise_alert(level="correction", region_id=demo["BT-PT"].id, duration_s=3600, messages={
            "vi": "Cải chính: bãi biển Mũi Né vẫn mở cửa bình thường.", "en": "Correction: Mui Ne beach is open."})
        notice_id = notice.id
    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    browser_sign_in(desk, controller.url, "approver")
    desk.goto(f"{controller.url}/alerts/{notice_id}")
    desk.click("#approve")  # the second person, on the alert's page
    page.wait_for_function("() => !document.getElementById('alert').hidden", timeout=5000, polling=50)
    with app.app_context():
        on_air = db.session.get(EmergencyAlert, notice_id).started_at
    state = page.evaluate(f"({ALERT_STATE})()")
    assert state["level"] == "official" and state["title"] == "CẢI CHÍNH" and "Mũi Né" in state["body"]
    assert state["background"] == "rgb(11, 61, 145)"  # the official blue, not the emergency red
    page.screenshot(path=str(ARTIFACTS / "player-correction-1920x1080.png"))
    shown, received = _wait_for_ack(app, notice_id, screen_id)
    assert timedelta(0) <= shown - on_air < timedelta(seconds=5) and received >= shown - timedelta(seconds=1)
    # the live board refreshes itself: the screen's row turns "acknowledged" without a reload
    desk.wait_for_selector(f'#ack-table tr[data-screen="{screen_id}"][data-state="acknowledged"]', timeout=6000)
    desk.screenshot(path=str(ARTIFACTS / "alerts-live-board.png"), full_page=True)
    desk.context.close()

    with app.app_context():
        storm = raise_alert(region_id=demo["BT"].id, severity="extreme", messages={"vi": "Bão số 9 đổ bộ."},
                            expires_at=utcnow() + timedelta(seconds=8))
        expires_ms = int(storm.expires_at.timestamp() * 1000)
        storm_id, storm_started = storm.id, storm.started_at
    page.wait_for_function("() => document.getElementById('alert').getAttribute('data-level') === 'emergency'",
                           timeout=5000, polling=50)
    assert page.evaluate(f"({ALERT_STATE})()")["title"] == "CẢNH BÁO KHẨN CẤP"
    shown, _received = _wait_for_ack(app, storm_id, screen_id)
    assert shown - storm_started < timedelta(seconds=5)

    controller.stop()  # the player is on its own now
    page.wait_for_function("() => document.getElementById('alert').getAttribute('data-level') === 'official'",
                           timeout=15_000, polling=50)
    left_at = page.evaluate("window.__player.clock.now()")
    assert expires_ms <= left_at < expires_ms + 1500  # on time, by the player's clock, with no controller
    assert "Mũi Né" in page.evaluate(f"({ALERT_STATE})()")["body"]  # the correction is still due: back on the glass
    page.screenshot(path=str(ARTIFACTS / "player-correction-after-storm-offline.png"))
    context.close()

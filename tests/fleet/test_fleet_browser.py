"""The fleet page in real Chromium refreshes itself: an incident opened after the page loaded shows on its
screen's row without a reload (the page's own script polls the JSON state; no inline script)."""

from __future__ import annotations

import pytest

from fleet import service
from signage.timeutil import utcnow
from tests.conftest import ARTIFACTS, browser_sign_in
from tests.fleet.conftest import beat

pytestmark = pytest.mark.browser
SCREEN = "Bến xe Phan Thiết"


def test_the_fleet_page_shows_a_new_incident_without_reloading(app, page, controller, screens):
    sid = screens[SCREEN].id
    with app.app_context():
        beat(sid, utcnow())
    browser_sign_in(page, controller.url, "phanthiet")
    page.goto(f"{controller.url}/fleet/?every=1")
    row = page.locator(f'tr[data-screen-id="{sid}"]')
    assert row.locator(".badge.state").inner_text() == "trực tuyến"
    assert row.locator(".incidents a").count() == 0
    page.evaluate("window.notReloaded = true")

    with app.app_context():
        beat(sid, utcnow(), diagnostics={"blank_s": 900})  # the glass has been black for 15 minutes
        assert service.run(utcnow()).opened == 1
    row.locator(".incidents a", has_text="Không phát gì").wait_for(timeout=5000)
    assert page.evaluate("window.notReloaded") is True
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "fleet-page.png"), full_page=True)

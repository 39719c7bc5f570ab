"""The reports dashboard in real Chromium: its charts are drawn (SVG with bars and points, Vietnamese
labels), and a click on a bar downloads the rows it counts. A screenshot lands in test-artifacts/."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from reports.demo import generate
from signage.timeutil import localnow
from tests.conftest import ARTIFACTS, browser_sign_in

pytestmark = pytest.mark.browser


def test_the_dashboards_charts_draw_and_their_bars_lead_to_the_rows(app, page, controller, demo):
    with app.app_context():
        generate(45, plays_per_screen_day=20, scans_per_day=15)
    today = localnow().date()
    browser_sign_in(page, controller.url, "admin")
    page.goto(f"{controller.url}/reports/?period=custom&start={today - timedelta(days=45)}&end={today}")
    charts = page.locator("figure.chart svg")
    assert charts.count() >= 5
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
    regions = page.locator('figure[data-chart="regions"]')
    assert regions.locator("rect.rect").count() >= 2  # a bar per district with screens
    assert "Thành phố Phan Thiết" in regions.inner_text()
    assert page.locator('[data-kpi="uptime_pct"] strong').inner_text().strip() not in ("", "—")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-dashboard.png"), full_page=True)

    with page.expect_download() as download:
        regions.locator("a").first.click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) > 1 and len(rows[0]) == 8  # the raw plays behind the bar

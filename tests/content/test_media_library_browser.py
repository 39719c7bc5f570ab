"""The media library in real Chromium (issue 12): a batch with one refused file adds the uploaded tiles in
place (no 'no media yet' under the uploaded lines), and a tile swaps its placeholder for the thumbnail when the
worker has made it, without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_sign_in
from tests.content.conftest import make_photo

pytestmark = pytest.mark.browser

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_a_batch_with_a_refused_file_shows_what_went_through_and_its_thumbnails_arrive(
        page, controller, worker_factory, demo):
    browser_sign_in(page, controller.url, "phanthiet")
    page.goto(f"{controller.url}/content/media/")
    assert page.locator("#media-empty").count() == 1  # an empty library to start with
    page.set_input_files("#files", [
        {"name": "doi-cat.jpg", "mimeType": "image/jpeg", "buffer": make_photo(1200, 800)},
        {"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": SVG},
        {"name": "hai-dang.jpg", "mimeType": "image/jpeg", "buffer": make_photo(800, 1200)},
    ])
    page.wait_for_selector("#upload-results[data-finished='1']")
    grid = page.locator("#media-list")
    grid.locator(".media-name", has_text="hai-dang.jpg").wait_for()
    assert grid.locator(".media-name", has_text="doi-cat.jpg").count() == 1
    assert page.locator("#media-empty").count() == 0 and "logo.svg" not in grid.inner_text()
    assert page.locator("#upload-results li[data-status=rejected]").count() == 1  # still said, no reload
    assert grid.locator('[data-pending="1"]').count() == 2  # placeholders while no worker runs

    worker_factory(burst=True)  # makes the thumbnails, then stops
    expect(grid.locator("[data-pending]")).to_have_count(0, timeout=30000)
    expect(grid.locator("img")).to_have_count(2)
    assert page.locator("#upload-results li[data-status=rejected]").count() == 1

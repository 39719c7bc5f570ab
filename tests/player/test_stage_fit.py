"""How the player's stage fits a picture of another shape (issue 12): a landscape picture on a portrait screen
is shown whole over a blurred still of itself unless its playlist item says otherwise, in real Chromium
(players/static/js/stage.js served through Playwright routing, no server process)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

pytestmark = pytest.mark.browser
ORIGIN = "http://player.test"
STAGE = """<!doctype html><title>stage</title><link rel="stylesheet" href="/play/static/player.css">
<div class="stage" id="stage">
  <div class="layer"><img alt=""><video muted playsinline loop></video></div>
  <div class="layer"><img alt=""><video muted playsinline loop></video></div>
</div>"""


def _landscape_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1920, 1080), (230, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def stage(chromium, app):
    context = chromium.new_context(viewport={"width": 540, "height": 960})
    page = context.new_page()
    http = app.test_client()
    picture = _landscape_png()

    def serve(route):
        path = route.request.url[len(ORIGIN):]
        if path == "/":
            route.fulfill(status=200, content_type="text/html", body=STAGE)
        elif path == "/picture.png":
            route.fulfill(status=200, content_type="image/png", body=picture)
        else:
            with app.app_context():
                response = http.get(path)
            route.fulfill(status=response.status_code, content_type=response.mimetype, body=response.get_data())

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")

    def show(fit):
        return page.evaluate(
            """(fit) => import('/play/static/js/stage.js').then(async (m) => {
                 const stage = new m.Stage(document.getElementById('stage'));
                 const slot = {key: 'a', item: {kind: 'image', fit: fit}, asset: {url: '/picture.png'}};
                 await stage.prepare(slot);
                 const layer = stage.show(slot, 0);
                 const img = layer.img.getBoundingClientRect();
                 return {fit: layer.el.dataset.fit, objectFit: getComputedStyle(layer.img).objectFit,
                         backdrop: getComputedStyle(layer.backdrop).display, width: img.width};
               })""", fit)

    yield show
    context.close()


def test_a_landscape_picture_on_a_portrait_screen_is_shown_whole_over_a_blurred_still(stage):
    shown = stage(None)
    assert (shown["fit"], shown["objectFit"], shown["backdrop"]) == ("contain", "contain", "block")


@pytest.mark.parametrize("fit,object_fit,backdrop", [("cover", "cover", "none"), ("pillarbox", "contain", "none")])
def test_the_items_fit_wins_over_the_automatic_one(stage, fit, object_fit, backdrop):
    shown = stage(fit)
    assert (shown["fit"], shown["objectFit"], shown["backdrop"]) == (fit, object_fit, backdrop)

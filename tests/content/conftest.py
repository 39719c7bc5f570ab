"""Fixtures of the content tests: renders run inline (RQ_SYNC), a private MEDIA_ROOT, test photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw


@pytest.fixture(autouse=True)
def _content_config(request, tmp_path):
    """Jobs run inline in the test process, and media go to a per-test folder."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    saved = {key: app.config.get(key) for key in ("RQ_SYNC", "MEDIA_ROOT")}
    app.config.update(RQ_SYNC=True, MEDIA_ROOT=str(tmp_path / "media"))
    yield
    app.config.update(saved)


def make_photo(width: int = 1600, height: int = 1000, fmt: str = "JPEG", exif_orientation: int | None = None,
               gps: bool = False) -> bytes:
    """A synthetic 'photo of Mũi Né': sky, sea and sand bands with a sun, so crops are visible."""
    img = Image.new("RGB", (width, height), (120, 190, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, height * 0.45, width, height * 0.7), fill=(20, 90, 160))
    draw.rectangle((0, height * 0.7, width, height), fill=(230, 200, 140))
    draw.ellipse((width * 0.7, height * 0.08, width * 0.85, height * 0.08 + width * 0.15), fill=(255, 220, 60))
    buffer = io.BytesIO()
    kwargs = {}
    if exif_orientation or gps:
        exif = Image.Exif()
        if exif_orientation:
            exif[0x0112] = exif_orientation
        if gps:
            exif[0x8825] = {1: "N", 2: (10.0, 56.0, 0.0), 3: "E", 4: (108.0, 17.0, 0.0)}
        kwargs["exif"] = exif
    img.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


@pytest.fixture
def photo() -> bytes:
    return make_photo()

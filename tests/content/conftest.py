"""Fixtures of the content tests: renders run inline (RQ_SYNC), a private MEDIA_ROOT, test photos."""

from __future__ import annotations

import functools
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


def make_png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A real, valid 1-bit PNG of width × height pixels that compresses to a few dozen KB."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def make_mp4(seconds: float = 12.5, codec: bytes = b"avc1") -> bytes:
    """A real MP4 made by ffmpeg (64×48, 10 frames a second): H.264 for b"avc1", MPEG-4 part 2 otherwise."""
    return _ffmpeg_clip("mp4", seconds, "libx264" if codec == b"avc1" else "mpeg4")


def make_webm(seconds: float = 5.0) -> bytes:
    """A real WebM (VP8) made by ffmpeg (64×48, 10 frames a second)."""
    return _ffmpeg_clip("webm", seconds, "libvpx")


@functools.cache
def _ffmpeg_clip(fmt: str, seconds: float, encoder: str) -> bytes:
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"clip.{fmt}"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                        f"testsrc=size=64x48:rate=10:duration={seconds}", "-c:v", encoder, "-pix_fmt", "yuv420p",
                        *(["-deadline", "realtime", "-cpu-used", "8"] if encoder == "libvpx" else []),
                        str(out)], check=True, timeout=60)
        return out.read_bytes()


def stored_files(app) -> list:
    """Every file under MEDIA_ROOT (temporary files included)."""
    from pathlib import Path

    root = Path(app.config["MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client, files: list[tuple[bytes, str]], lang: str = "en", **form):
    """POST files to the media library the way the XHR uploader does (JSON answer, messages in `lang`)."""
    import io as _io

    from tests.conftest import csrf_token

    token = csrf_token(client.get("/content/media/").get_data(as_text=True))
    data = {"csrf_token": token, "files": [(_io.BytesIO(body), name) for body, name in files], **form}
    return client.post(f"/content/media/upload?lang={lang}", data=data, content_type="multipart/form-data",
                       headers={"Accept": "application/json"})


def submit_and_approve(item) -> None:
    """Submit a media item, slide or ticker and approve it as the demo approver, as the approval queue does."""
    from flask import current_app
    from flask_login import login_user

    from content import workflow
    from signage.extensions import db
    from signage.models import User

    workflow.submit(item)
    with current_app.test_request_context():
        login_user(db.session.scalar(db.select(User).where(User.username == "approver")))
        workflow.approve(item)

"""Upload intake: stream to a temporary file while hashing, then decide by decoding the content (never by
name, never by scanning the bytes: compressed pixels can hold any byte sequence, `<svg ` included).

Accepted: JPEG, PNG, WebP (decoded fully by Pillow, so truncated files fail), MP4 with H.264 and WebM with
VP8, VP9 or AV1, each read by FFmpeg's demuxer and its first picture decoded (content/video.py). Refused with
a clear message: too many bytes, too many pixels (decompression bombs), corrupt or truncated files, files that
start as SVG/HTML/XML, and images whose *metadata* (comments, text chunks, XMP) carries script markup.
Images in modes screens and the renderer cannot take as they are (16-bit greyscale, 32-bit integer) are stored
converted to 8 bits (a 16-bit grey at 50 % stays 50 % grey, not white). Width and height are as displayed:
an EXIF-rotated photo reports its upright size. The caller adopts the temporary file into the store or it is
deleted: nothing is left behind by a rejected upload.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from content import storage, video

CHUNK = 1024 * 1024
#: Markup that can carry script, looked for in an image's decoded metadata (comments, text chunks, XMP).
SCRIPT_MARKERS = re.compile(r"<\s*(script|html|svg|iframe|object|embed)\b|javascript:", re.IGNORECASE)
IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
#: Pillow modes stored as they are; others (16-bit "I;16…", 32-bit "I", float "F") are converted to 8 bits.
DISPLAYABLE_MODES = {"1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBa", "CMYK", "YCbCr", "La"}
#: Container (the file's magic) → FFmpeg's format name part and the codecs every screen plays.
VIDEO_FORMATS = {
    "mp4": ("mp4", {"h264"}, "video/mp4"),
    "webm": ("webm", {"vp8", "vp9", "av1"}, "video/webm"),
}
ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height

DEFAULT_LIMITS = {
    "MEDIA_MAX_IMAGE_BYTES": 30 * 1024 * 1024,
    "MEDIA_MAX_VIDEO_BYTES": 200 * 1024 * 1024,
    "MEDIA_MAX_PIXELS": 40_000_000,
}


class UploadRejected(ValueError):
    """The upload is refused; str(exc) is the message for the operator."""


@dataclass
class Accepted:
    temp_path: str
    sha256: str
    size: int
    kind: str
    ext: str
    mime: str
    width: int = 0
    height: int = 0
    duration_s: float | None = None

    def adopt(self) -> Path:
        return storage.adopt(self.temp_path, self.sha256, self.ext)

    def discard(self) -> None:
        _unlink(self.temp_path)


def limit(name: str) -> int:
    return int(current_app.config.get(name, DEFAULT_LIMITS[name]))


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def intake(stream: BinaryIO) -> Accepted:
    """Read an upload into a temporary file and validate it; raises UploadRejected (file removed)."""
    max_bytes = max(limit("MEDIA_MAX_IMAGE_BYTES"), limit("MEDIA_MAX_VIDEO_BYTES"))
    digest, size = hashlib.sha256(), 0
    tmp = storage.temp_file()
    try:
        with tmp:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(_("The file is larger than %(limit)s.", limit=_mb(max_bytes)))
                digest.update(chunk)
                tmp.write(chunk)
        if size == 0:
            raise UploadRejected(_("The file is empty."))
        accepted = _sniff(tmp.name, size)
        if not accepted.sha256:  # not re-encoded: the bytes as uploaded
            accepted.sha256 = digest.hexdigest()
        return accepted
    except BaseException:
        _unlink(tmp.name)
        raise


def _sniff(path: str, size: int) -> Accepted:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"<" or stripped[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise UploadRejected(_("SVG, HTML and other markup files are not accepted (they can carry scripts)."))
    if head[4:8] == b"ftyp":
        return _sniff_video(path, "mp4", size)
    if head[:4] == b"\x1a\x45\xdf\xa3":
        if b"webm" not in head[:64]:  # Matroska (.mkv) is not WebM: players do not all take it
            raise UploadRejected(_("Only MP4 (H.264) and WebM videos are accepted."))
        return _sniff_video(path, "webm", size)
    return _sniff_image(path, size)


def _check_video_size(size: int) -> None:
    if size > limit("MEDIA_MAX_VIDEO_BYTES"):
        raise UploadRejected(_("Videos can be at most %(limit)s.", limit=_mb(limit("MEDIA_MAX_VIDEO_BYTES"))))


def _sniff_image(path: str, size: int) -> Accepted:
    max_pixels = limit("MEDIA_MAX_PIXELS")
    Image.MAX_IMAGE_PIXELS = max_pixels
    too_many = _("The image has too many pixels (at most %(limit)s megapixels).",
                 limit=f"{max_pixels / 1_000_000:g}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=tuple(IMAGE_FORMATS)) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise UploadRejected(too_many)
                fmt = img.format
                img.load()  # decode every byte: truncated and corrupt files fail here
                if _metadata_carries_script(img):
                    raise UploadRejected(_("The file contains markup or script (SVG, HTML…): not accepted."))
                if img.getexif().get(0x0112) in ROTATED:
                    width, height = height, width
                converted = None if img.mode in DISPLAYABLE_MODES else _eight_bit(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(too_many) from exc
    except UnidentifiedImageError as exc:
        raise UploadRejected(_("Not a supported file: upload JPEG, PNG or WebP images, or MP4 (H.264) or "
                               "WebM videos.")) from exc
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise UploadRejected(_("The image is truncated or corrupt.")) from exc
    if size > limit("MEDIA_MAX_IMAGE_BYTES"):
        raise UploadRejected(_("Images can be at most %(limit)s.", limit=_mb(limit("MEDIA_MAX_IMAGE_BYTES"))))
    if converted is not None:
        return _replace_with_png(path, converted, width, height)
    ext, mime = IMAGE_FORMATS[fmt]
    return Accepted(path, "", size, "image", ext, mime, width, height)


def _metadata_carries_script(img: Image.Image) -> bool:
    """Script markup in what the format says is text (JPEG comments, PNG text chunks, XMP, EXIF strings)."""
    texts = [value for key, value in img.info.items() if key != "icc_profile" and key != "exif"]
    texts += [value for value in img.getexif().values() if isinstance(value, str)]  # not binary maker notes
    for value in texts:
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str) and SCRIPT_MARKERS.search(value):
            return True
    return False


def eight_bit(img: Image.Image) -> Image.Image:
    """`img` in an 8-bit mode with its tones kept: 16-bit and 32-bit integer greys are scaled to 0–255 (Pillow's
    plain convert("L") clips them, so a 50 % grey of a 16-bit PNG, 32768, became white). Modes already 8-bit
    are returned as they are."""
    if img.mode in DISPLAYABLE_MODES:
        return img
    return _eight_bit(img)


def _eight_bit(img: Image.Image) -> Image.Image:
    if img.mode == "F":
        return img.point(lambda v: v * 255).convert("L")
    if img.mode.startswith("I"):  # "I;16", "I;16B", "I;16L", "I;16N", "I"
        wide = img.convert("I") if img.mode != "I" else img
        top = wide.getextrema()[1]
        scale = 1 / 257 if top <= 65535 else 1 / 16843009  # 16 bits, else the full 32-bit range
        return wide.point(lambda v: v * scale).convert("L")
    return img.convert("RGBA" if "A" in img.getbands() else "RGB")


def _replace_with_png(path: str, img: Image.Image, width: int, height: int) -> Accepted:
    """The upload re-encoded (8-bit, lossless PNG) in place of the original; hashed again."""
    buffer = io.BytesIO()
    img.save(buffer, "PNG", optimize=False)
    data = buffer.getvalue()
    with open(path, "wb") as out:
        out.write(data)
    return Accepted(path, hashlib.sha256(data).hexdigest(), len(data), "image", "png", "image/png", width, height)


def _sniff_video(path: str, container: str, size: int) -> Accepted:
    _check_video_size(size)
    format_part, codecs, mime = VIDEO_FORMATS[container]
    try:
        info = video.probe(path)
    except video.VideoUnreadable as exc:
        current_app.logger.info("video refused: %s", exc)
        raise UploadRejected(_("The video is truncated or corrupt.")) from exc
    if format_part not in info.container.split(","):
        raise UploadRejected(_("Only MP4 (H.264) and WebM videos are accepted."))
    if info.codec not in codecs:
        if container == "mp4":
            raise UploadRejected(_("Only H.264 video in MP4 plays on every screen: convert the video to H.264."))
        raise UploadRejected(_("Only MP4 (H.264) and WebM videos are accepted."))
    if info.width * info.height > limit("MEDIA_MAX_PIXELS"):
        raise UploadRejected(_("The image has too many pixels (at most %(limit)s megapixels).",
                               limit=f"{limit('MEDIA_MAX_PIXELS') / 1_000_000:g}"))
    return Accepted(path, "", size, "video", container, mime, info.width, info.height,
                    duration_s=round(info.duration_s, 3) if info.duration_s else None)

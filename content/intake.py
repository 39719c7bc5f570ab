"""Upload intake: stream to a temporary file while hashing, then decide by content (never by name).

Accepted: JPEG, PNG, WebP (decoded fully by Pillow, so truncated files fail), MP4 with H.264 (ISO-BMFF
`ftyp` + `moov`) and WebM (EBML with DocType webm). Refused with a clear message: too many bytes, too
many pixels (decompression bombs), corrupt or truncated files, SVG/HTML/XML and anything carrying
script markup. The caller adopts the temporary file into the store or it is deleted: nothing is left
behind by a rejected upload.
"""

from __future__ import annotations

import hashlib
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

from content import storage

CHUNK = 1024 * 1024
#: Markup that can carry script, looked for anywhere in the file (polyglots included).
SCRIPT_MARKERS = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|\?xml)\b|javascript:", re.IGNORECASE)
IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"mmp4",
              b"MSNV"}

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
    digest, size, tail = hashlib.sha256(), 0, b""
    tmp = storage.temp_file()
    try:
        with tmp:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(_("The file is larger than %(limit)s.", limit=_mb(max_bytes)))
                window = tail + chunk
                if SCRIPT_MARKERS.search(window):
                    raise UploadRejected(_("The file contains markup or script (SVG, HTML…): not accepted."))
                tail = chunk[-16:]
                digest.update(chunk)
                tmp.write(chunk)
        if size == 0:
            raise UploadRejected(_("The file is empty."))
        accepted = _sniff(tmp.name, size)
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
        return _sniff_mp4(path, head, size)
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return _sniff_webm(path, head, size)
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
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(too_many) from exc
    except UnidentifiedImageError as exc:
        raise UploadRejected(_("Not a supported file: upload JPEG, PNG or WebP images, or MP4 (H.264) or "
                               "WebM videos.")) from exc
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise UploadRejected(_("The image is truncated or corrupt.")) from exc
    if size > limit("MEDIA_MAX_IMAGE_BYTES"):
        raise UploadRejected(_("Images can be at most %(limit)s.", limit=_mb(limit("MEDIA_MAX_IMAGE_BYTES"))))
    ext, mime = IMAGE_FORMATS[fmt]
    return Accepted(path, "", size, "image", ext, mime, width, height)


def _boxes(fh: BinaryIO, start: int, end: int):
    """ISO-BMFF boxes (type, payload offset, payload size) between two offsets."""
    pos = start
    while pos + 8 <= end:
        fh.seek(pos)
        header = fh.read(8)
        if len(header) < 8:
            return
        box_size, box_type = struct.unpack(">I4s", header)
        payload = pos + 8
        if box_size == 1:
            box_size = struct.unpack(">Q", fh.read(8))[0]
            payload += 8
        elif box_size == 0:
            box_size = end - pos
        if box_size < 8 or pos + box_size > end:
            raise UploadRejected(_("The video is truncated or corrupt."))
        yield box_type, payload, pos + box_size - payload
        pos += box_size


def _sniff_mp4(path: str, head: bytes, size: int) -> Accepted:
    brand = head[8:12]
    compatible = {head[i:i + 4] for i in range(16, min(len(head), 64), 4)}
    if brand not in MP4_BRANDS and not (compatible & MP4_BRANDS):
        raise UploadRejected(_("Only MP4 (H.264) and WebM videos are accepted."))
    _check_video_size(size)
    duration = None
    with open(path, "rb") as fh:
        top = {box_type: (offset, length) for box_type, offset, length in _boxes(fh, 0, size)}
        if b"moov" not in top:
            raise UploadRejected(_("The video is truncated or corrupt (no movie header)."))
        offset, length = top[b"moov"]
        fh.seek(offset)
        moov = fh.read(length)
        # the sample description names the codec: avc1/avc3 = H.264
        has_avc = b"avc1" in moov or b"avc3" in moov
        for box_type, payload, _length in _boxes(fh, offset, offset + length):
            if box_type == b"mvhd":
                fh.seek(payload)
                version = fh.read(4)[0]
                if version == 1:
                    _created, _modified, scale, units = struct.unpack(">QQIQ", fh.read(28))
                else:
                    _created, _modified, scale, units = struct.unpack(">IIII", fh.read(16))
                duration = round(units / scale, 3) if scale else None
    if not has_avc:
        raise UploadRejected(_("Only H.264 video in MP4 plays on every screen: convert the video to H.264."))
    return Accepted(path, "", size, "video", "mp4", "video/mp4", duration_s=duration)


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8 or pos + length > len(data):
        raise ValueError("bad EBML")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1:pos + length]:
        value = (value << 8) | byte
    return value, pos + length


def _webm_duration(data: bytes) -> float | None:
    """Segment › Info › Duration × TimecodeScale, read from the first bytes of the file."""
    start = data.find(b"\x15\x49\xa9\x66")
    if start < 0:
        return None
    try:
        size, pos = _vint(data, start + 4, keep_marker=False)
        end, scale, duration = min(len(data), pos + size), 1_000_000, None
        while pos < end:
            element, pos = _vint(data, pos, keep_marker=True)
            length, pos = _vint(data, pos, keep_marker=False)
            value = data[pos:pos + length]
            if element == 0x2AD7B1:
                scale = int.from_bytes(value, "big")
            elif element == 0x4489:
                duration = struct.unpack(">f" if length == 4 else ">d", value)[0]
            pos += length
    except (ValueError, struct.error, IndexError):
        return None
    return round(duration * scale / 1e9, 3) if duration else None


def _sniff_webm(path: str, head: bytes, size: int) -> Accepted:
    if b"webm" not in head[:64]:
        raise UploadRejected(_("Only MP4 (H.264) and WebM videos are accepted."))
    _check_video_size(size)
    with open(path, "rb") as fh:
        duration = _webm_duration(fh.read(65536))
    return Accepted(path, "", size, "video", "webm", "video/webm", duration_s=duration)

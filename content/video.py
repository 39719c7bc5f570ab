"""Videos read by a real demuxer and decoder: FFmpeg's `ffprobe` and `ffmpeg` (Debian's ffmpeg package).

`probe(path)` says what the file is (container, codec, duration, size) and whether its first picture decodes;
`poster(path, duration_s)` is one picture from it as JPEG bytes. Both run FFmpeg as a child process with a
time limit, one thread and no input but the file: a hostile file can crash or hang the child, never the web
worker. Every failure is `VideoUnreadable`; what is acceptable is decided by the caller (content/intake.py).
"""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess

PROBE_TIMEOUT_S = 20
DECODE_TIMEOUT_S = 60


class VideoUnreadable(ValueError):
    """FFmpeg could not read the file (not a video, truncated, corrupt, or it took too long)."""


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    container: str  # ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm"
    codec: str  # of the first video stream: "h264", "vp8", "vp9", "av1", ...
    width: int
    height: int
    duration_s: float | None  # None: not in the header (a browser's MediaRecorder writes none)


def _run(args: list[str], timeout: float) -> bytes:
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise VideoUnreadable(f"{args[0]} took longer than {timeout} s") from exc
    if done.returncode != 0:
        raise VideoUnreadable(done.stderr.decode("utf-8", "replace").strip()[-500:] or f"exit {done.returncode}")
    return done.stdout


def probe(path: str) -> VideoInfo:
    """Container, codec, size and duration of the first video stream; its first picture must decode."""
    out = _run(["ffprobe", "-v", "error", "-threads", "1", "-print_format", "json", "-show_format",
                "-show_streams", "-select_streams", "v:0", path], PROBE_TIMEOUT_S)
    try:
        data = json.loads(out)
        stream = data["streams"][0]
        duration = float(stream.get("duration") or data["format"].get("duration") or "nan")
        info = VideoInfo(data["format"]["format_name"], stream["codec_name"], int(stream["width"]),
                         int(stream["height"]), duration)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise VideoUnreadable("no video stream") from exc
    if info.width <= 0 or info.height <= 0:
        raise VideoUnreadable("no picture")
    if not math.isfinite(info.duration_s) or info.duration_s <= 0:
        info = dataclasses.replace(info, duration_s=None)
    # the header can be intact and the pictures garbage: decode the first one
    _run(["ffmpeg", "-nostdin", "-v", "error", "-threads", "1", "-xerror", "-i", path, "-map", "0:v:0",
          "-frames:v", "1", "-f", "null", "-"], DECODE_TIMEOUT_S)
    return info


def poster(path: str, duration_s: float | None) -> bytes:
    """A JPEG of the picture one second in (or a tenth in, for short clips): past fades from black."""
    for at in (min(1.0, (duration_s or 0) / 10), 0.0):
        picture = _run(["ffmpeg", "-nostdin", "-v", "error", "-threads", "1", "-ss", f"{at:.3f}", "-i", path,
                        "-map", "0:v:0", "-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "3", "-"],
                       DECODE_TIMEOUT_S)
        if picture:
            return picture
    raise VideoUnreadable("no picture")

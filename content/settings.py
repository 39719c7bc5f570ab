"""Settings of the content package (declared once; the app factory reads and casts them at start-up)."""

from __future__ import annotations

from signage.settings import Setting

SETTINGS = (
    Setting("MEDIA_MAX_IMAGE_BYTES", 30 * 1024 * 1024, int, "largest accepted image upload"),
    Setting("MEDIA_MAX_VIDEO_BYTES", 200 * 1024 * 1024, int, "largest accepted video upload"),
    Setting("MEDIA_MAX_PIXELS", 40_000_000, int, "decompression-bomb guard for images"),
    # players holding an older manifest may still ask for a render this long after nothing needs it
    Setting("RENDER_GC_GRACE_DAYS", 7, int, "unneeded renders younger than this are kept"),
)

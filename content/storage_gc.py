"""Garbage collection of the media store: files that no row and no on-air snapshot refers to (left by a
crash between writing a file and committing its row, or replaced files no approved version shows any more)
and abandoned temporary uploads."""

from __future__ import annotations

import time

from sqlalchemy import select

from content import storage
from content.media_service import pinned_files
from content.models import Media, Render
from signage.extensions import db


def collect(tmp_max_age_s: int = 24 * 3600, orphan_min_age_s: int = 3600, *, dry_run: bool = False) -> dict[str, int]:
    """Files younger than `orphan_min_age_s` are spared: their row may be committing right now. With
    dry_run, only count."""
    root = storage.media_root()
    now = time.time()
    known = {f"{sha}.{ext}" for sha, ext in db.session.execute(select(Media.sha256, Media.ext))}
    known |= {f"{sha}.{ext}" for sha, ext in db.session.execute(select(Render.sha256, Render.ext))}
    known |= {f"{sha}.{ext}" for sha, ext in pinned_files()}  # approved versions still show these
    removed = {"orphans": 0, "temporary": 0}
    for path in root.glob("??/*"):
        if (path.is_file() and storage.SHA_NAME.match(path.name) and path.name not in known
                and path.stat().st_mtime < now - orphan_min_age_s):
            if not dry_run:
                path.unlink(missing_ok=True)
            removed["orphans"] += 1
    cutoff = now - tmp_max_age_s
    for path in (root / "tmp").glob("*") if (root / "tmp").exists() else []:
        if path.is_file() and path.stat().st_mtime < cutoff:
            if not dry_run:
                path.unlink(missing_ok=True)
            removed["temporary"] += 1
    return removed

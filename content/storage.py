"""Content-addressed file storage under MEDIA_ROOT: `<root>/<sha[:2]>/<sha>.<ext>`.

The same bytes are stored once; files are written to a temporary name and renamed into place, so a
reader never sees half a file and a crash leaves no partial file under a real name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import current_app

SHA_NAME = re.compile(r"^(?P<sha>[0-9a-f]{64})\.(?P<ext>[a-z0-9]{2,5})$")


def media_root() -> Path:
    root = Path(current_app.config.get("MEDIA_ROOT") or Path(current_app.instance_path) / "media")
    root.mkdir(parents=True, exist_ok=True)
    return root


def path_for(sha256: str, ext: str) -> Path:
    return media_root() / sha256[:2] / f"{sha256}.{ext}"


def exists(sha256: str, ext: str) -> bool:
    return path_for(sha256, ext).is_file()


def temp_file() -> tempfile._TemporaryFileWrapper:
    """A temporary file on the same filesystem as the store (so `adopt` is an atomic rename)."""
    tmp_dir = media_root() / "tmp"
    tmp_dir.mkdir(exist_ok=True)
    return tempfile.NamedTemporaryFile(dir=tmp_dir, delete=False, prefix="up-")


def adopt(temp_path: str | Path, sha256: str, ext: str) -> Path:
    """Move a verified temporary file into the store (or drop it when those bytes are already stored)."""
    target = path_for(sha256, ext)
    if target.exists():
        os.unlink(temp_path)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temp_path, target)
    return target


def store_bytes(data: bytes, ext: str) -> tuple[str, Path]:
    sha = hashlib.sha256(data).hexdigest()
    target = path_for(sha, ext)
    if not target.exists():
        with temp_file() as tmp:
            tmp.write(data)
        adopt(tmp.name, sha, ext)
    return sha, target


def remove(sha256: str, ext: str) -> None:
    try:
        path_for(sha256, ext).unlink()
    except FileNotFoundError:
        pass

"""Uploaded CSV/TXT lists waiting for their import job. They live under MEDIA_ROOT (the storage every
web node and worker shares, see README) rather than a node's instance folder, so a worker on another
machine finds them; each is deleted when its job ends, whatever the outcome (they hold phone numbers)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage


def _folder() -> Path:
    root = current_app.config.get("MEDIA_ROOT") or str(Path(current_app.instance_path) / "media")
    folder = Path(root) / "incoming" / "sms"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(upload: FileStorage, suffix: str) -> str:
    """Store the upload; returns the name the job gets."""
    name = f"{uuid.uuid4().hex}{suffix}"
    upload.save(_folder() / name)
    return name


@contextmanager
def claimed(name: str) -> Iterator[Path]:
    """The stored file for the job's lifetime; removed afterwards, even when the import fails."""
    path = _folder() / Path(name).name
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)

"""The only door to content: `content.api` (approved, on-air versions only). Imported lazily so the
scheduling package loads even while the content package is being changed."""

from __future__ import annotations

import importlib
from types import ModuleType


def content_api() -> ModuleType:
    return importlib.import_module("content.api")

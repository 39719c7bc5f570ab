"""Scheduling's one door to content: `content.api` (approved, on-air versions only).

Every scheduling module reads content through `content_api()`, never `content.*` directly, so the whole
package has one seam to content (tests replace it with a fake catalogue)."""

from __future__ import annotations

from types import ModuleType

from content import api


def content_api() -> ModuleType:
    return api

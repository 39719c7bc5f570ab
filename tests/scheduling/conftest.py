"""Scheduling fixtures: a stand-in for `content.api` (so schedules can be tested without rendering),
and a small builder for playlists and entries that goes through the real change service."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from signage.extensions import db
from signage.models import Region, Screen

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


class FakeContent:
    """Same functions as content.api; items are declared by the test."""

    def __init__(self):
        self.items: dict[tuple[str, int], dict] = {}
        self.render_requests: list[tuple] = []

    def add(self, item_type: str, item_id: int, *, name: str | None = None, langs=("vi", "en"), kind="image",
            duration_s=None, approved=True, texts=None, valid_from=None, valid_until=None, size=(1920, 1080)):
        self.items[(item_type, item_id)] = dict(
            name=name or f"{item_type} {item_id}", langs=list(langs), kind=kind, duration_s=duration_s,
            approved=approved, texts=texts or {"vi": "Chào mừng", "en": "Welcome"}, valid_from=valid_from,
            valid_until=valid_until, revision=1, size=size,
        )
        return self

    def _get(self, item_type, item_id):
        item = self.items.get((item_type, item_id))
        return item if item and item["approved"] else None

    def is_schedulable(self, item_type, item_id):
        return self._get(item_type, item_id) is not None

    def schedulable_items(self, region_id):
        return [{"type": t, "id": i, "name": v["name"], "default_duration_s": v["duration_s"] or 10}
                for (t, i), v in sorted(self.items.items()) if v["approved"]]

    def item_label(self, item_type, item_id):
        item = self.items.get((item_type, item_id))
        return item["name"] if item else f"{item_type} #{item_id} (deleted)"

    def item_languages(self, item_type, item_id):
        item = self._get(item_type, item_id)
        return list(item["langs"]) if item else []

    def asset_for(self, item_type, item_id, width, height, lang, screen_id):
        item = self._get(item_type, item_id)
        if item is None or item_type == "ticker" or lang not in item["langs"]:
            return None
        ext = "mp4" if item["kind"] == "video" else "jpg"
        url = f"/media/{item_type}-{item_id}-r{item['revision']}-{width}x{height}-{lang}.{ext}"
        return {"url": url, "sha256": hashlib.sha256(url.encode()).hexdigest(), "size": 1234,
                "mime": "video/mp4" if ext == "mp4" else "image/jpeg", "kind": item["kind"],
                "duration_s": item["duration_s"]}

    def playable(self, keys, width, height, languages, screen_id):
        result = {}
        for item_type, item_id in keys:
            assets = {lang: a for lang in languages
                      if (a := self.asset_for(item_type, item_id, width, height, lang, screen_id))}
            item = self._get(item_type, item_id)
            result[(item_type, item_id)] = {
                "name": item["name"], "kind": item["kind"], "duration_s": item["duration_s"],
                "assets": {lang: {k: a[k] for k in ("url", "sha256", "size", "mime")} for lang, a in assets.items()},
            } if assets else None
        return result

    def video_shapes(self, media_ids):
        return {i: {"name": item["name"], "width": item["size"][0], "height": item["size"][1]}
                for i in media_ids if (item := self._get("media", i)) and item["kind"] == "video"}

    def ensure_renders(self, item_type, item_id, sizes, langs, screen_ids):
        self.render_requests.append((item_type, item_id, tuple(sizes), tuple(langs), tuple(screen_ids)))

    def tickers(self, ids):
        return {i: self.ticker_for(i) for i in ids}

    def ticker_for(self, item_id):
        item = self._get("ticker", item_id)
        if item is None:
            return None
        return {"id": item_id, "texts": item["texts"], "speed_px_s": 80, "fg": "#ffd400", "bg": "#000000",
                "valid_from": item["valid_from"], "valid_until": item["valid_until"]}


@pytest.fixture
def content(monkeypatch) -> FakeContent:
    fake = FakeContent()
    monkeypatch.setattr("scheduling.content_port.content_api", lambda: fake)
    return fake


@pytest.fixture
def screens(demo) -> dict[str, Screen]:
    """The demo screens by name."""
    return {s.name: s for s in db.session.scalars(select(Screen).order_by(Screen.id))}


class Builder:
    """Creates playlists and entries through the change service, as the UI does."""

    def __init__(self, region: Region):
        self.region = region

    def playlist(self, name: str, items=(), region: Region | None = None):
        from scheduling.models import Playlist, PlaylistItem
        from scheduling.service import save_playlist

        playlist = Playlist(region_id=(region or self.region).id, name=name)
        for pos, spec in enumerate(items):
            item_type, item_id, *rest = spec
            extra = rest[0] if rest and isinstance(rest[0], dict) else {}
            duration = rest[0] if rest and not isinstance(rest[0], dict) else extra.get("duration_s")
            playlist.items.append(PlaylistItem(position=pos, item_type=item_type, item_id=item_id,
                                               duration_s=duration, valid_from=extra.get("valid_from"),
                                               valid_until=extra.get("valid_until")))
        save_playlist(playlist)
        return playlist

    def entry(self, playlist, targets, *, name="entry", priority=50, start=date(2026, 1, 1), end=None,
              days=0b1111111, daypart=None, recurrence="daily", max_per_hour=None, region: Region | None = None):
        from scheduling.models import ScheduleEntry
        from scheduling.service import save_entry

        entry = ScheduleEntry(
            region_id=(region or self.region).id, name=name, playlist_id=playlist.id, priority=priority,
            start_date=start, end_date=end, days_of_week=days,
            daypart_start=daypart[0] if daypart else None, daypart_end=daypart[1] if daypart else None,
            recurrence=recurrence, max_plays_per_hour=max_per_hour,
        )
        save_entry(entry, list(targets))
        return entry

    def default(self, screen, playlist):
        from scheduling.service import set_default

        set_default(screen, playlist.id if playlist else None)


@pytest.fixture
def build(demo, content) -> Builder:
    return Builder(demo["BT"])


@pytest.fixture
def player_for(app):
    """`player_for(screen)` → a test client holding that screen's token (paired through the real flow)."""
    from players import pairing

    def _player(screen: Screen):
        with app.test_request_context():
            request = pairing.start_pairing({})
            pairing.claim(request.code, db.session.get(Screen, screen.id), None)
            token = pairing.poll(request.id)[1]["token"]
        http = app.test_client()
        http.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return http

    return _player


def manifest_of(screen_id: int, now: datetime | None = None) -> dict:
    from scheduling.manifest import build_manifest

    return build_manifest(screen_id, now)[0]

"""Build a screen's manifest: a 48-hour timeline with absolute times, assets, tickers and the fallback.

Player rule: inside a segment, items loop in order from the segment start, so the item on screen is
found at position = (now - start) mod (sum of the segment's item durations). Two screens with the same
schedule therefore change slides together. A segment that began before the 2-day look-back carries the
fixed anchor 2020-01-01T00:00 local as its start, so its phase is the same on every screen whenever
they fetched. Segments never overlap, are sorted, and gaps are filled by the screen's default playlist
(entry_id null). Ticker items do not appear in segment items: they are listed in `tickers`, one entry
per time window in which they are scheduled (valid_from/valid_until = that window clipped to the
ticker's own validity). A segment whose entry only has tickers shows the default playlist's items
underneath. An entry whose items are all unavailable (not approved, not rendered yet) yields to the
default playlist. `fallback` is what plays when the timeline does not cover now (e.g. the manifest is
older than its valid_until). Each item carries its playlist step's `fit` (None: the player's automatic fit).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from scheduling import content_port, timeline, versions
from scheduling.models import ItemType, PlaylistItem
from scheduling.targeting import default_playlist_id, entries_for_screen
from signage.extensions import db
from signage.models import Screen
from signage.redis_client import get_redis
from signage.timeutil import local_tz, utcnow

HORIZON = timedelta(hours=48)
LOOKBACK = timedelta(days=2)
DEFAULT_ITEM_S = 10.0
MAX_NESTING = 8
TICKER, SLIDE = ItemType.TICKER.value, ItemType.SLIDE.value
class ScreenUnavailable(LookupError):
    """The screen does not exist or is retired."""


@dataclass(frozen=True)
class FlatItem:
    key: str
    item_type: str
    item_id: int
    duration_s: float | None
    valid_from: datetime | None
    valid_until: datetime | None
    fit: str | None = None

    def valid_over(self, start: datetime, end: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= start) and (
            self.valid_until is None or self.valid_until >= end
        )


# ---------------------------------------------------------------- playlists


def load_playlists(root_ids: set[int]) -> dict[int, list[PlaylistItem]]:
    """Items of the given playlists and of every playlist nested in them, by playlist id, in order."""
    items: dict[int, list[PlaylistItem]] = {}
    frontier = set(root_ids)
    while frontier:
        for pid in frontier:
            items[pid] = []
        rows = db.session.scalars(
            select(PlaylistItem).where(PlaylistItem.playlist_id.in_(frontier))
            .order_by(PlaylistItem.playlist_id, PlaylistItem.position, PlaylistItem.id)
        ).all()
        for row in rows:
            items[row.playlist_id].append(row)
        frontier = {r.item_id for r in rows if r.item_type == ItemType.PLAYLIST.value} - set(items)
    return items


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def flatten(playlist_id: int, playlists: dict[int, list[PlaylistItem]], *, _path: str = "",
            _bounds: tuple = (None, None), _seen: tuple = ()) -> list[FlatItem]:
    """The playlist with nested playlists expanded in place (a cycle or too deep nesting is skipped)."""
    if playlist_id in _seen or len(_seen) >= MAX_NESTING:
        return []
    flat: list[FlatItem] = []
    for item in playlists.get(playlist_id, []):
        valid_from, valid_until = _later(_bounds[0], item.valid_from), _earlier(_bounds[1], item.valid_until)
        if valid_from is not None and valid_until is not None and valid_from >= valid_until:
            continue
        key = f"{_path}{playlist_id}.{item.id}"
        if item.item_type == ItemType.PLAYLIST.value:
            flat.extend(flatten(item.item_id, playlists, _path=key + "/", _bounds=(valid_from, valid_until),
                                _seen=(*_seen, playlist_id)))
        else:
            flat.append(FlatItem(key, item.item_type, item.item_id, item.duration_s, valid_from, valid_until,
                                 item.fit))
    return flat


# ---------------------------------------------------------------- content


class ContentCatalogue:
    """Resolves items to what the screen plays, once per item per build.

    Resolved items are cached in Redis under a per-item generation that `content_changed` moves
    (see `invalidate`), so a build after one slide changed looks up that slide only. Slides are cached
    per screen (their QR codes may carry the screen), media and tickers per size and languages.
    Nothing unresolved (not approved, render pending) is cached.
    """

    TTL_S = 3600
    #: part of every cache key: a change of what content.api answers (v2: a slide's own duration) is not read
    #: from entries cached by the code before it
    FORMAT = 2

    def __init__(self, screen: Screen):
        self.screen = screen
        self.api = content_port.content_api()
        self.languages = list(screen.languages or ["vi"])
        self._items: dict[tuple[str, int], dict | None] = {}
        self._shown: dict[FlatItem, dict | None] = {}

    def _cache_key(self, item_type: str, item_id: int, generation: int) -> str:
        owner = self.screen.id if item_type == SLIDE else "*"
        size = "" if item_type == TICKER else f"{self.screen.width}x{self.screen.height}"
        return (f"sched:item:{item_type}:{item_id}:g{generation}:v{self.FORMAT}:{size}:{','.join(self.languages)}:"
                f"{owner}")

    def prefetch(self, keys: set[tuple[str, int]]) -> None:
        """Load every cached item in two round trips; resolve and cache the rest."""
        wanted = sorted(k for k in keys if k not in self._items)
        if not wanted:
            return
        redis = get_redis()
        generations = redis.mget([generation_key(t, i) for t, i in wanted])
        cache_keys = [self._cache_key(t, i, int(g or 0)) for (t, i), g in zip(wanted, generations, strict=True)]
        cached = redis.mget(cache_keys)
        missing: dict[tuple[str, int], str] = {}
        for key, cache_key, raw in zip(wanted, cache_keys, cached, strict=True):
            if raw is not None:
                self._items[key] = json.loads(raw)
            else:
                missing[key] = cache_key
        resolved = self._resolve(list(missing))
        self._items.update(resolved)
        fresh = {missing[key]: json.dumps(value) for key, value in resolved.items() if value is not None}
        if fresh:
            pipe = redis.pipeline(transaction=False)
            for cache_key, value in fresh.items():
                pipe.set(cache_key, value, ex=self.TTL_S)
            pipe.execute()

    def get(self, item_type: str, item_id: int) -> dict | None:
        key = (item_type, item_id)
        if key not in self._items:
            self.prefetch({key})
        return self._items[key]

    def _resolve(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], dict | None]:
        """Ask content.api for everything at once (a few queries, not a few per item)."""
        if not keys:
            return {}
        ticker_ids = [i for t, i in keys if t == ItemType.TICKER.value]
        found: dict[tuple[str, int], dict | None] = {
            (ItemType.TICKER.value, i): shown for i, shown in self.api.tickers(ticker_ids).items()}
        found.update(self.api.playable([k for k in keys if k[0] != ItemType.TICKER.value], self.screen.width,
                                       self.screen.height, self.languages, self.screen.id))
        return found

    def item(self, flat: FlatItem) -> dict | None:
        """The manifest ITEM for a slide or media step, or None when nothing is playable (one dict per step,
        shared by every segment that plays it)."""
        if flat in self._shown:
            return self._shown[flat]
        found = self.get(flat.item_type, flat.item_id)
        shown = None
        if found is not None:
            duration = flat.duration_s or found["duration_s"] or DEFAULT_ITEM_S
            shown = {"key": flat.key, "item_type": flat.item_type, "item_id": flat.item_id, "name": found["name"],
                     "duration_s": float(duration), "kind": found["kind"], "assets": found["assets"],
                     "fit": flat.fit}
        self._shown[flat] = shown
        return shown


# ---------------------------------------------------------------- build


def generation_key(item_type: str, item_id: int) -> str:
    return f"sched:item-gen:{item_type}:{item_id}"


def invalidate(item_type: str, item_id: int) -> None:
    """Content changed: cached resolutions of this item are no longer used."""
    get_redis().incr(generation_key(item_type, item_id))


def _iso(dt: datetime) -> str:
    return dt.astimezone(local_tz()).isoformat(timespec="seconds")


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def _parse(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=local_tz())


def poll_interval_s(screen: Screen) -> int:
    """The screen's interval with a deterministic per-screen jitter of up to ±10 %."""
    base = max(5, int(screen.poll_interval or 30))
    unit = int.from_bytes(hashlib.sha256(f"poll:{screen.id}".encode()).digest()[:2], "big") / 65535
    return max(5, round(base * (0.9 + 0.2 * unit)))


def rules_for(entries: list, playlists_flat: dict[int, list[FlatItem]],
              catalogue: ContentCatalogue) -> list[timeline.Rule]:
    rules = []
    cycles: dict[int, float] = {}
    for entry, specificity in entries:
        if entry.playlist_id not in cycles:
            cycles[entry.playlist_id] = sum(
                (catalogue.item(f) or {}).get("duration_s", 0.0)
                for f in playlists_flat.get(entry.playlist_id, []) if f.item_type != TICKER
            )
        cycle = cycles[entry.playlist_id]
        rules.append(timeline.Rule(
            entry_id=entry.id, playlist_id=entry.playlist_id, priority=entry.priority,
            start_date=entry.start_date, end_date=entry.end_date, days_of_week=entry.days_of_week,
            daypart_start=entry.daypart[0], daypart_end=entry.daypart[1], recurrence=entry.recurrence,
            max_plays_per_hour=entry.max_plays_per_hour, cycle_s=cycle, specificity=specificity,
            changed_at=(entry.updated_at or entry.created_at).timestamp(), name=entry.name,
        ))
    return rules


def build_manifest(screen_id: int, now: datetime | None = None, code_version: str = "") -> tuple[dict, str]:
    """(manifest, etag) for the screen; `code_version` is the player code's version (the player side
    passes it: it is part of the ETag and announced as `player_version`). The version is read before any
    table, so a change committed during the build makes the next poll fetch again instead of caching stale
    content under a new tag."""
    counter = versions.counter(screen_id)
    now = now or utcnow()
    screen = db.session.get(Screen, screen_id)
    if screen is None or screen.retired:
        raise ScreenUnavailable(screen_id)
    tz = local_tz()
    catalogue = ContentCatalogue(screen)
    entries = entries_for_screen(screen, now=now)
    default_id = default_playlist_id(screen)
    roots = {e.playlist_id for e, _ in entries} | ({default_id} if default_id else set())
    playlists = load_playlists(roots)
    flat = {pid: flatten(pid, playlists) for pid in roots}
    catalogue.prefetch({(f.item_type, f.item_id) for items in flat.values() for f in items})

    end = now + HORIZON
    rules = rules_for(entries, flat, catalogue)
    segments = timeline.merge_same_winner(timeline.resolve(rules, now - LOOKBACK, end, tz))
    segments = [s for s in segments if s.end > now]
    anchor = datetime(2020, 1, 1, tzinfo=tz)
    default_flat = flat.get(default_id, []) if default_id else []

    timeline_out: list[dict] = []
    ticker_windows: dict[int, list[list[datetime]]] = {}
    for seg in segments:
        pieces = _split_by_validity(seg, flat.get(seg.rule.playlist_id, []) if seg.rule else default_flat)
        for piece_start, piece_end, items, tickers in pieces:
            entry_id = seg.rule.entry_id if seg.rule else None
            playlist_id = seg.rule.playlist_id if seg.rule else default_id
            shown = [i for i in (catalogue.item(f) for f in items) if i]
            if not shown and not tickers and seg.rule is not None:  # nothing playable: the default takes over
                entry_id, playlist_id = None, default_id
                items, tickers = _valid(default_flat, piece_start, piece_end)
                shown = [i for i in (catalogue.item(f) for f in items) if i]
            elif not shown and seg.rule is not None:  # tickers only: default items underneath
                shown = [i for i in (catalogue.item(f) for f in _valid(default_flat, piece_start, piece_end)[0]) if i]
            for t in tickers:
                windows = ticker_windows.setdefault(t.item_id, [])
                if windows and windows[-1][1] == piece_start:
                    windows[-1][1] = piece_end
                else:
                    windows.append([piece_start, piece_end])
            if playlist_id is None and not shown:
                continue
            start = anchor if piece_start <= now - LOOKBACK else piece_start
            timeline_out.append({
                "start": _iso(start), "end": _iso(piece_end), "start_ms": _ms(start), "end_ms": _ms(piece_end),
                "entry_id": entry_id, "playlist_id": playlist_id,
                "priority": seg.rule.priority if seg.rule and entry_id is not None else 0,
                "items": shown,
            })
    timeline_out = _merge_default_runs(timeline_out)

    fallback_items, fallback_tickers = _valid(default_flat, now, now)
    fallback = {"items": [i for i in (catalogue.item(f) for f in fallback_items) if i],
                "tickers": [t for t in (_ticker(catalogue, f.item_id, None, None) for f in fallback_tickers) if t]}
    tickers = [
        t for tid, windows in sorted(ticker_windows.items()) for w in windows
        if (t := _ticker(catalogue, tid, w[0], w[1]))
    ]
    assets: dict[str, dict] = {}
    for item in [i for seg in timeline_out for i in seg["items"]] + fallback["items"]:
        for asset in item["assets"].values():
            assets.setdefault(asset["url"], asset)

    etag = versions.etag(screen.id, counter, now.timestamp(), code_version)
    manifest = {
        "version": etag,
        "screen": {"id": screen.id, "name": screen.name, "kind": screen.kind, "width": screen.width,
                   "height": screen.height, "orientation": screen.orientation,
                   "languages": list(screen.languages or ["vi"])},
        "server_time": _iso(now), "server_time_ms": _ms(now),
        "timezone": current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"),
        "poll_interval_s": poll_interval_s(screen),
        "valid_from": _iso(now), "valid_until": _iso(end),
        "timeline": timeline_out,
        "fallback": fallback,
        "tickers": tickers,
        "assets": list(assets.values()),
        "player_version": code_version,
        "alerts_url": "/api/player/v1/alerts",
    }
    return manifest, etag


def _valid(flat: list[FlatItem], start: datetime, end: datetime) -> tuple[list[FlatItem], list[FlatItem]]:
    valid = [f for f in flat if f.valid_over(start, end)]
    return [f for f in valid if f.item_type != TICKER], [f for f in valid if f.item_type == TICKER]


def _split_by_validity(seg: timeline.Segment, flat: list[FlatItem]):
    """The segment cut where an item's validity starts or ends, with the items valid in each piece."""
    cuts = {seg.start, seg.end}
    for f in flat:
        for bound in (f.valid_from, f.valid_until):
            if bound is not None and seg.start < bound < seg.end:
                cuts.add(bound)
    points = sorted(cuts)
    return [(a, b, *_valid(flat, a, b)) for a, b in zip(points, points[1:], strict=False)]


def _merge_default_runs(segments: list[dict]) -> list[dict]:
    merged: list[dict] = []
    for seg in segments:
        prev = merged[-1] if merged else None
        if (prev and prev["end_ms"] == seg["start_ms"] and prev["entry_id"] == seg["entry_id"]
                and prev["playlist_id"] == seg["playlist_id"] and prev["items"] == seg["items"]):
            prev["end"], prev["end_ms"] = seg["end"], seg["end_ms"]
        else:
            merged.append(seg)
    return merged


def _ticker(catalogue: ContentCatalogue, ticker_id: int, start: datetime | None, end: datetime | None) -> dict | None:
    found = catalogue.get(ItemType.TICKER.value, ticker_id)
    if not found:
        return None
    own_from, own_until = _parse(found.get("valid_from")), _parse(found.get("valid_until"))
    lo, hi = _later(start, own_from), _earlier(end, own_until)
    if lo is not None and hi is not None and lo >= hi:
        return None
    return dict(found, key=f"ticker:{ticker_id}:{_ms(lo) if lo else 0}",
                valid_from=_iso(lo) if lo else None, valid_until=_iso(hi) if hi else None)

"""The contract other packages (scheduling, player API) use to read content. Plain dicts and lists.

Only approved, on-air versions are ever exposed here: a media item plays its approved file (`on_air`,
named by sha256), never the latest upload, and a slide shows the image file it was approved with. Lookups
are indexed table reads; rendering always happens in RQ jobs (enqueued idempotently when something is
missing).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import current_app
from sqlalchemy import select

from content import rendering
from content.models import Media, MediaKind, Render, Slide, Ticker
from signage import languages
from signage.extensions import db
from signage.models import Region
from signage.signals import content_changed

ITEM_TYPES = ("slide", "media", "ticker")


def _in_subtree(model, region: Region):
    return select(model).join(Region, Region.id == model.region_id).where(Region.path.startswith(region.path))


def schedulable_items(region_id: int) -> list[dict]:
    """Approved slides, media and tickers owned by the region or anything below it, and the approved media of
    the regions above it."""
    region = db.session.get(Region, region_id)
    if region is None:
        return []
    items: list[dict] = []
    for slide in db.session.scalars(_in_subtree(Slide, region).where(Slide.on_air_version.is_not(None))
                                    .order_by(Slide.name)):
        items.append({"type": "slide", "id": slide.id, "name": slide.name,
                      "default_duration_s": int(slide.on_air.get("duration_s") or slide.duration_s)})
    for media in db.session.scalars(_in_subtree(Media, region).where(Media.on_air_version.is_not(None))
                                    .order_by(Media.name)):
        items.append({"type": "media", "id": media.id, "name": media.name,
                      "default_duration_s": media.default_duration_s})
    # the regions above may lend their approved media (read-only: a district uses the province's photo)
    for media in db.session.scalars(select(Media).where(Media.region_id.in_([r.id for r in region.ancestors()]),
                                                        Media.on_air_version.is_not(None)).order_by(Media.name)):
        items.append({"type": "media", "id": media.id, "name": f"{media.name} ({media.region.name})",
                      "default_duration_s": media.default_duration_s})
    for ticker in db.session.scalars(_in_subtree(Ticker, region).where(Ticker.on_air_version.is_not(None))
                                     .order_by(Ticker.name)):
        items.append({"type": "ticker", "id": ticker.id, "name": ticker.name,
                      "default_duration_s": int(ticker.on_air.get("duration_s") or ticker.duration_s)})
    return items


MODELS = {"slide": Slide, "media": Media, "ticker": Ticker}
IN_CHUNK = 500  # ids or keys per IN (...) query, well under every database's parameter limit


def _get(item_type: str, item_id: int):
    return _load([(item_type, item_id)]).get((item_type, item_id))


def _load(keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Slide | Media | Ticker]:
    """The items behind these keys in one query per type, held in the returned dict: the session's identity
    map alone keeps nothing alive. (A slide's snapshot names its image file itself: no media lookup.)"""
    by_type: dict[str, set[int]] = {}
    for item_type, item_id in keys:
        if item_type in MODELS:
            by_type.setdefault(item_type, set()).add(item_id)
    found: dict[tuple[str, int], Slide | Media | Ticker] = {}
    for item_type, ids in by_type.items():
        model = MODELS[item_type]
        for chunk in in_chunks(sorted(ids)):
            for item in db.session.scalars(select(model).where(model.id.in_(chunk))):
                found[(item_type, item.id)] = item
    return found


def in_chunks(values: list) -> Iterator[list]:
    """Slices of at most IN_CHUNK values, one IN (...) query each."""
    for i in range(0, len(values), IN_CHUNK):
        yield values[i:i + IN_CHUNK]


def is_schedulable(item_type: str, item_id: int) -> bool:
    item = _get(item_type, item_id)
    return item is not None and item.on_air is not None


def item_label(item_type: str, item_id: int) -> str:
    item = _get(item_type, item_id)
    return item.name if item is not None else f"{item_type} #{item_id} (deleted)"


def video_shapes(media_ids: Iterable[int]) -> dict[int, dict]:
    """The on-air videos among these media items: {id: {"name", "width", "height"}} (EXIF-free: a video's
    stored size is its displayed size); images and items not on air are left out."""
    found = _load([("media", i) for i in media_ids])
    return {item.id: {"name": item.name, "width": int(item.on_air.get("width") or 0),
                      "height": int(item.on_air.get("height") or 0)}
            for item in found.values() if item.on_air and item.on_air.get("kind") == MediaKind.VIDEO.value}


def item_languages(item_type: str, item_id: int) -> list[str]:
    """Languages the on-air version has text for. Approved media carry no text: every language."""
    item = _get(item_type, item_id)
    return _languages(item) if item is not None else []


def _languages(item: Slide | Media | Ticker) -> list[str]:
    if not item.on_air:
        return []
    if isinstance(item, Media):
        return list(languages.configured_codes())
    if isinstance(item, Ticker):
        texts = item.on_air.get("texts") or {}
        return languages.in_order(lang for lang, text in texts.items() if (text or "").strip())
    return rendering.slide_languages(item.on_air)


def asset_for(item_type: str, item_id: int, width: int, height: int, lang: str,
              screen_id: int | None) -> dict | None:
    """The file a screen plays for this item, or None (render enqueued) when it is not ready yet."""
    item = _get(item_type, item_id)
    if item is None or isinstance(item, Ticker) or not item.on_air:
        return None
    return _assets([(item, lang)], width, height, screen_id)[0]


def playable(keys: Iterable[tuple[str, int]], width: int, height: int, languages: list[str],
             screen_id: int | None) -> dict[tuple[str, int], dict | None]:
    """For each (slide or media) key, what a screen of this size plays in each of its languages the item
    has: {"name", "kind", "duration_s", "assets": {lang: asset}}, or None when nothing is ready (renders
    enqueued) or the item is not on air. A handful of queries whatever the number of items."""
    keys = list(dict.fromkeys(keys))
    items = _load(keys)
    wanted: list[tuple[tuple[str, int], str, Slide | Media]] = []
    for key in keys:
        item = items.get(key)
        if item is None or isinstance(item, Ticker) or not item.on_air:
            continue
        available = set(_languages(item))
        wanted += [(key, lang, item) for lang in languages if lang in available]
    assets = _assets([(item, lang) for _, lang, item in wanted], width, height, screen_id)
    result: dict[tuple[str, int], dict | None] = dict.fromkeys(keys)
    for (key, lang, item), asset in zip(wanted, assets, strict=True):
        if asset is None:
            continue
        entry = result[key] or {"name": item.name, "kind": "image", "duration_s": None, "assets": {}}
        entry["assets"][lang] = {k: asset[k] for k in ("url", "sha256", "size", "mime")}
        entry["kind"] = asset.get("kind") or entry["kind"]
        # a video lasts as long as its file; a slide as long as its composer said (a render has no length)
        entry["duration_s"] = entry["duration_s"] or asset.get("duration_s") or (
            int(item.on_air.get("duration_s") or item.duration_s) if isinstance(item, Slide) else None)
        result[key] = entry
    return result


def _assets(wanted: list[tuple[Slide | Media, str]], width: int, height: int,
            screen_id: int | None) -> list[dict | None]:
    """Files for (item, language) pairs with one lookup of every render key; what is missing is enqueued
    once, and a just-approved slide falls back to its previous version's file meanwhile."""
    plans = [render_plan(item, width, height, lang, screen_id) for item, lang in wanted]
    keys = {k for plan in plans if plan for k in (plan[0], plan[2]) if k}
    renders: dict[str, Render] = {}
    for chunk in in_chunks(sorted(keys)):
        renders.update((r.key, r) for r in db.session.scalars(select(Render).where(Render.key.in_(chunk))))
    found: list[dict | None] = []
    for (item, _), plan in zip(wanted, plans, strict=True):
        if isinstance(item, Media) and item.on_air and item.on_air["kind"] == MediaKind.VIDEO.value:
            snap = item.on_air
            found.append({"url": item.on_air_url, "sha256": snap["sha256"], "size": snap["size"],
                          "mime": snap["mime"], "kind": "video", "duration_s": snap.get("duration_s")})
            continue
        if plan is None:
            found.append(None)
            continue
        key, job, fallback = plan
        if key in renders:
            found.append(renders[key].as_asset())
            continue
        rendering.enqueue_once(key, *job)
        found.append(renders[fallback].as_asset() if fallback in renders else None)
    return found


def render_plan(item: Slide | Media, width: int, height: int, lang: str,
                 screen_id: int | None) -> tuple[str, tuple, str | None] | None:
    """(render key, the job that makes it, the key of the previous on-air version's file) for an approved
    image (its approved file) or an on-air slide; None for anything else."""
    if not item.on_air:
        return None
    if isinstance(item, Media):
        if item.on_air["kind"] == MediaKind.VIDEO.value:
            return None
        sha = item.on_air["sha256"]
        return (rendering.rendition_key(sha, width, height),
                ("content.jobs.make_rendition", item.id, width, height, sha), None)
    spec = rendering.slide_spec(item.id, item.on_air, width, height, lang, screen_id)
    previous = item.on_air.get("previous")
    fallback = rendering.spec_key(rendering.slide_spec(item.id, previous, width, height, lang, screen_id)) \
        if previous else None
    return (rendering.spec_key(spec), ("content.jobs.render_slide", item.id, width, height, spec["lang"], screen_id),
            fallback)


def ensure_renders(item_type: str, item_id: int, sizes: list[tuple[int, int]], langs: list[str],
                   screen_ids: list[int]) -> None:
    """Enqueue every render a schedule will need (no-op for what is cached or already pending)."""
    item = _get(item_type, item_id)
    if isinstance(item, Media) and item.on_air:
        wanted, per_screen = [(item, "vi")], [None]
    elif isinstance(item, Slide) and item.on_air:
        wanted = [(item, lang) for lang in langs or ["vi"]]
        per_screen = (screen_ids or [None]) if item.on_air.get("qr_url") else [None]
    else:
        return
    for width, height in sizes:
        for screen_id in per_screen:
            _assets(wanted, width, height, screen_id)


def ticker_for(item_id: int) -> dict | None:
    return tickers([item_id])[item_id]


def tickers(ids: Iterable[int]) -> dict[int, dict | None]:
    """The on-air version of each ticker (None when deleted or never approved), in one query."""
    ids = list(ids)
    items = _load(("ticker", i) for i in ids)
    return {i: _ticker_shown(t) if (t := items.get(("ticker", i))) is not None and t.on_air else None
            for i in ids}


def _ticker_shown(ticker: Ticker) -> dict:
    snap = ticker.on_air
    return {
        "id": ticker.id,
        "texts": {lang: text for lang, text in (snap.get("texts") or {}).items() if text and text.strip()},
        "speed_px_s": int(snap.get("speed_px_s") or 80),
        "fg": snap.get("fg") or "#ffd400",
        "bg": snap.get("bg") or "#000000",
        "valid_from": snap.get("valid_from"),
        "valid_until": snap.get("valid_until"),
    }


def notify_changed(item_type: str, item_id: int) -> None:
    """Tell subscribers (manifest versions) that what screens show for this item changed. After commit."""
    content_changed.send(current_app._get_current_object(), item_type=item_type, item_id=item_id)

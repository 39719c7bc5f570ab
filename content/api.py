"""The contract other packages (scheduling, player API) use to read content. Plain dicts and lists.

Only approved, on-air versions are ever exposed here. Lookups are indexed table reads; rendering
always happens in RQ jobs (enqueued idempotently when something is missing).
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from content import rendering
from content.models import CONTENT_LANGUAGES, Media, MediaKind, Slide, Ticker
from signage.extensions import db
from signage.models import Region
from signage.signals import content_changed

ITEM_TYPES = ("slide", "media", "ticker")


def _in_subtree(model, region: Region):
    return select(model).join(Region, Region.id == model.region_id).where(Region.path.startswith(region.path))


def schedulable_items(region_id: int) -> list[dict]:
    """Approved slides, media and approved tickers owned by the region or anything below it."""
    region = db.session.get(Region, region_id)
    if region is None:
        return []
    items: list[dict] = []
    for slide in db.session.scalars(_in_subtree(Slide, region).where(Slide.on_air_version.is_not(None))
                                    .order_by(Slide.name)):
        items.append({"type": "slide", "id": slide.id, "name": slide.name,
                      "default_duration_s": int(slide.on_air.get("duration_s") or slide.duration_s)})
    for media in db.session.scalars(_in_subtree(Media, region).order_by(Media.name)):
        items.append({"type": "media", "id": media.id, "name": media.name,
                      "default_duration_s": media.default_duration_s})
    for ticker in db.session.scalars(_in_subtree(Ticker, region).where(Ticker.on_air_version.is_not(None))
                                     .order_by(Ticker.name)):
        items.append({"type": "ticker", "id": ticker.id, "name": ticker.name,
                      "default_duration_s": int(ticker.on_air.get("duration_s") or ticker.duration_s)})
    return items


def _get(item_type: str, item_id: int):
    model = {"slide": Slide, "media": Media, "ticker": Ticker}.get(item_type)
    return db.session.get(model, item_id) if model else None


def is_schedulable(item_type: str, item_id: int) -> bool:
    item = _get(item_type, item_id)
    if item is None:
        return False
    if isinstance(item, Media):
        return True
    return item.on_air is not None


def item_label(item_type: str, item_id: int) -> str:
    item = _get(item_type, item_id)
    return item.name if item is not None else f"{item_type} #{item_id} (deleted)"


def item_languages(item_type: str, item_id: int) -> list[str]:
    """Languages the on-air version has text for. Media carry no text: every language."""
    item = _get(item_type, item_id)
    if item is None:
        return []
    if isinstance(item, Media):
        return list(CONTENT_LANGUAGES)
    if not item.on_air:
        return []
    if isinstance(item, Ticker):
        texts = item.on_air.get("texts") or {}
        return [lang for lang in CONTENT_LANGUAGES if (texts.get(lang) or "").strip()]
    return rendering.slide_languages(item.on_air)


def asset_for(item_type: str, item_id: int, width: int, height: int, lang: str,
              screen_id: int | None) -> dict | None:
    """The file a screen plays for this item, or None (render enqueued) when it is not ready yet."""
    item = _get(item_type, item_id)
    if item is None or isinstance(item, Ticker):
        return None
    if isinstance(item, Media):
        return _media_asset(item, width, height)
    if not item.on_air:
        return None
    spec = rendering.slide_spec(item.id, item.on_air, width, height, lang, screen_id)
    key = rendering.spec_key(spec)
    render = rendering.find_render(key)
    if render is not None:
        return render.as_asset()
    rendering.enqueue_once(key, "content.jobs.render_slide", item.id, width, height, spec["lang"], screen_id)
    previous = item.on_air.get("previous")
    if previous:  # just approved: the previous version's file until this one is rendered (then a bump)
        old = rendering.find_render(rendering.spec_key(
            rendering.slide_spec(item.id, previous, width, height, lang, screen_id)))
        if old is not None:
            return old.as_asset()
    return None


def _media_asset(media: Media, width: int, height: int) -> dict | None:
    if media.kind == MediaKind.VIDEO.value:
        return {"url": media.url, "sha256": media.sha256, "size": media.size, "mime": media.mime,
                "kind": "video", "duration_s": media.duration_s}
    key = rendering.rendition_key(media.sha256, width, height)
    render = rendering.find_render(key)
    if render is not None:
        return render.as_asset()
    rendering.enqueue_once(key, "content.jobs.make_rendition", media.id, width, height)
    return None


def ensure_renders(item_type: str, item_id: int, sizes: list[tuple[int, int]], langs: list[str],
                   screen_ids: list[int]) -> None:
    """Enqueue every render a schedule will need (no-op for what is cached or already pending)."""
    for width, height in sizes:
        if item_type == "media":
            asset_for("media", item_id, width, height, "vi", None)
            continue
        if item_type != "slide":
            return
        slide = db.session.get(Slide, item_id)
        if slide is None or not slide.on_air:
            return
        per_screen = screen_ids if slide.on_air.get("qr_url") else [None]
        for lang in langs or ["vi"]:
            for screen_id in per_screen or [None]:
                asset_for("slide", item_id, width, height, lang, screen_id)


def ticker_for(item_id: int) -> dict | None:
    ticker = db.session.get(Ticker, item_id)
    if ticker is None or not ticker.on_air:
        return None
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

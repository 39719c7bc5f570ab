"""Approval of media, slides and tickers on top of signage.approval, with the on-air snapshot.

Approving copies the working version into `on_air` (what screens show); editing an approved item only
touches the working copy and sends it back to draft, so the approved version stays on air until the
next approval. A snapshot is exact, content included: a media item's names its file by sha256, and a
slide's pins the image file it was approved with (`image`), so replacing a media item's file changes
nothing on air until the media item, and each slide showing it, is approved again. Likewise a slide that
shows its theme's mark pins the theme's names and colour (`theme_mark`): retagging the slide or editing the
theme changes the glass only at the next approval.
"""

from __future__ import annotations

from sqlalchemy import select

from content.models import Media, MediaKind, Slide, Ticker
from signage import approval
from signage.extensions import db
from signage.models import Region, Screen
from signage.themes import DEFAULT_COLOUR, Theme, themes_of
from signage.timeutil import utcnow

#: The approvable kinds of this package.
Approved = Media | Slide | Ticker


def snapshot(item: Approved) -> dict:
    version = (item.on_air_version or 0) + 1
    if isinstance(item, Media):
        return {"version": version, "approved_at": utcnow().isoformat(), "sha256": item.sha256, "ext": item.ext,
                "mime": item.mime, "kind": item.kind, "size": item.size, "width": item.width,
                "height": item.height, "duration_s": item.duration_s}
    common = {"version": version, "name": item.name, "duration_s": item.duration_s,
              "approved_at": utcnow().isoformat()}
    if isinstance(item, Slide):
        return {**common, "template": item.template, "texts": item.texts, "media_id": item.media_id,
                "image": pinned_image(item), "qr_url": item.qr_url,
                "theme_mark": theme_mark(themes_of("slide", [item.id]).get(item.id, [])) if item.theme_mark else None}
    return {**common, "texts": item.texts, "speed_px_s": item.speed_px_s, "fg": item.fg, "bg": item.bg,
            "valid_from": item.valid_from.isoformat() if item.valid_from else None,
            "valid_until": item.valid_until.isoformat() if item.valid_until else None}


def pinned_image(slide: Slide) -> dict | None:
    """The image file the slide shows now (what its approver sees in the preview), as {sha256, ext}."""
    media = db.session.get(Media, slide.media_id) if slide.media_id else None
    if media is None or media.kind != MediaKind.IMAGE.value:
        return None
    return {"sha256": media.sha256, "ext": media.ext}


def theme_mark(theme_ids: list[int]) -> dict | None:
    """The mark of an item tagged with `theme_ids`: its main theme, else the first (lowest id), as {names,
    colour}; None without themes."""
    themes = db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids)).order_by(Theme.id)).all()
    if not themes:
        return None
    theme = next((t for t in themes if t.is_main), themes[0])
    return {"names": dict(theme.names or {}), "colour": theme.colour or DEFAULT_COLOUR}


def item_type(item: Approved) -> str:
    return {Media: "media", Slide: "slide", Ticker: "ticker"}[type(item)]


def submit(item: Approved) -> None:
    approval.submit(item)
    db.session.commit()


def approve(item: Approved, comment: str = "") -> None:
    """Approve and put this version on air; subscribers hear about it after the commit."""
    from content.api import notify_changed

    approval.approve(item, comment)
    snap = snapshot(item)
    if isinstance(item, Slide) and item.on_air:
        # screens keep the files of the version before until this one's renders are ready
        snap["previous"] = {k: v for k, v in item.on_air.items() if k != "previous"}
    item.on_air = snap
    item.on_air_version = snap["version"]
    db.session.commit()
    if isinstance(item, Slide):
        prerender(item)
    notify_changed(item_type(item), item.id)


def prerender(slide: Slide) -> None:
    """Queue renders of the new on-air version for the screens of the slide's region (their sizes and
    languages), so screens have the files when the change reaches them."""
    from content.api import asset_for
    from content.rendering import slide_languages

    screens = db.session.scalars(
        select(Screen).join(Region, Region.id == Screen.region_id)
        .where(Region.path.startswith(slide.region.path), Screen.retired_at.is_(None))
    ).all()
    langs = slide_languages(slide.on_air or {})
    for screen in screens:
        for lang in [lang for lang in screen.languages or ["vi"] if lang in langs] or ["vi"]:
            asset_for("slide", slide.id, screen.width, screen.height, lang, screen.id)


def reject(item: Approved, comment: str) -> None:
    approval.reject(item, comment)
    db.session.commit()


def edited(item: Approved) -> None:
    """The working copy changed: back to review (the on-air snapshot is untouched)."""
    approval.reopen(item)


def media_file_replaced(media: Media) -> list[Slide]:
    """A media item's working file changed: the item goes back to review, and so does every slide whose
    working copy shows it (their approvers saw the old picture). On-air snapshots keep their files.
    Returns those slides; the caller commits."""
    edited(media)
    slides = db.session.scalars(select(Slide).where(Slide.media_id == media.id).order_by(Slide.name)).all()
    for slide in slides:
        edited(slide)
    return list(slides)


#: Snapshot fields an approver compares, in the order shown ("texts" is compared per field and language).
COMPARED = ("name", "template", "duration_s", "image", "theme_mark", "qr_url", "speed_px_s", "fg", "bg", "valid_from",
            "valid_until", "sha256", "width", "height")


def changes(approved: dict | None, candidate: dict) -> list[dict]:
    """What the candidate version changes against the approved one (pure): rows of {field, lang, before,
    after}; texts per field and language. Everything is new when nothing was approved before."""
    approved = approved or {}
    rows = []
    for field in COMPARED:
        if field in candidate and candidate.get(field) != approved.get(field):
            rows.append({"field": field, "lang": None, "before": approved.get(field), "after": candidate[field]})
    before_texts, after_texts = approved.get("texts") or {}, candidate.get("texts") or {}
    if any(isinstance(v, dict) for v in after_texts.values()):  # slides: {field: {lang: text}}
        pairs = [(f, lang) for f in sorted(set(before_texts) | set(after_texts))
                 for lang in sorted(set(before_texts.get(f) or {}) | set(after_texts.get(f) or {}))]
        old = {(f, lang): (before_texts.get(f) or {}).get(lang) or "" for f, lang in pairs}
        new = {(f, lang): (after_texts.get(f) or {}).get(lang) or "" for f, lang in pairs}
    else:  # tickers: {lang: text}
        pairs = [("text", lang) for lang in sorted(set(before_texts) | set(after_texts))]
        old = {("text", lang): before_texts.get(lang) or "" for _, lang in pairs}
        new = {("text", lang): after_texts.get(lang) or "" for _, lang in pairs}
    rows += [{"field": f, "lang": lang, "before": old[(f, lang)], "after": new[(f, lang)]}
             for f, lang in pairs if old[(f, lang)] != new[(f, lang)]]
    return rows

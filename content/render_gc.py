"""Garbage collection of renders: rendered slides, media renditions and cover-fitted photo sources that
nothing needs any more (superseded slide versions, deleted media, sizes of retired screens).

The live set is computed with the very functions screens are served with (`content.api.render_plan`,
`rendering.rendition_key`, `rendering.source_key`) and errs on the side of keeping:

- every on-air slide, its `on_air` version and the `previous` one screens fall back to, for every screen in
  service (not only the slide's region: a province playlist may show a district's slide anywhere), in each
  of the screen's languages plus Vietnamese (what the manifest, the approval pre-render and the status
  thumbnail ask for), per screen only when a QR code makes the render differ by screen;
- every media item: its thumbnail and one rendition per screen size in service, and its cover-fitted
  sources at the boxes the renderer asks for at those sizes (found by asking the renderer itself) — for its
  working file, its approved (on-air) file, and the image files on-air slides were approved with.

A render outside that set goes only once it is older than RENDER_GC_GRACE_DAYS (players holding an older
manifest can still download recent files). Rows are deleted and committed first; a file goes afterwards,
and only when no Render row, no Media row and no on-air snapshot (`media_service.pinned_files`) has its
sha256 (files are shared, content-addressed): a crash in between leaves at worst an orphan file (`flask
content gc` removes those), never a row without a file, and never loses a file an approved version shows.

Runs daily on the RQ scheduler of `flask worker`: each run plans the next one (`enqueue_at`, one job id
per day), and any content or screen change plans one if none is planned (so a flushed Redis heals).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta

from flask import Flask, current_app
from PIL import Image
from sqlalchemy import delete, select

from content import api, media_service, renderer, rendering, storage
from content.models import Media, Render, Slide, SlideTemplate
from signage.extensions import db
from signage.models import Region, Screen
from signage.periodic import Periodic, daily_at, plan_on_worker_start
from signage.signals import content_changed, screens_changed
from signage.timeutil import utcnow

log = logging.getLogger(__name__)

DEFAULT_GRACE_DAYS = 7
RUN_AT = time(3, 0)  # local time of the daily run: the quietest hour of the controller
DAILY = Periodic("content-render-gc", "content.render_gc.daily_job", daily_at(RUN_AT), queue="low", timeout=3600,
                 result_ttl=7 * 86400, failure_ttl=30 * 86400, slot="%Y%m%d",
                 description="content: render garbage collection")
#: An on-air slide approved longer ago than this has had time to be rendered for its region's screens.
RENDERED_WITHIN = timedelta(hours=1)


class KeysMismatch(RuntimeError):
    """The keys computed here find none of the renders of slides that have long been on air: this process
    is not configured like the server (PUBLIC_BASE_URL and SECRET_KEY go into QR codes, installed fonts
    into every key), and deleting would remove files screens are playing. Nothing was deleted."""


@dataclass(frozen=True)
class Collected:
    rows: int
    files: int
    bytes: int
    dry_run: bool
    grace_days: int

    def as_dict(self) -> dict:
        return asdict(self)


def grace_days() -> int:
    return max(0, int(current_app.config.get("RENDER_GC_GRACE_DAYS", DEFAULT_GRACE_DAYS)))


# ---------------------------------------------------------------- what is still needed


def needed_keys(now: datetime | None = None) -> set[str]:
    """Every render key a screen, a media item or a future slide render may still ask for.
    Raises KeysMismatch when the slide keys computed here cannot be the server's."""
    now = now or utcnow()
    screens = db.session.execute(
        select(Screen, Region.path).join(Region, Region.id == Screen.region_id).where(Screen.retired_at.is_(None))
    ).all()
    return _media_keys([s for s, _ in screens]) | _slide_keys(screens, now)


def _languages(screen: Screen) -> set[str]:
    # the screen's rotation; Vietnamese too (prerender and the status thumbnail fall back to it, and
    # slide_spec maps a language the slide lacks to it, so an extra language costs nothing)
    return {*(screen.languages or ["vi"]), "vi"}


def _slide_keys(screens: list[tuple[Screen, str]], now: datetime) -> set[str]:
    keys: set[str] = set()
    probes: dict[bool, list[set[str]]] = {True: [], False: []}  # by "has a QR code": current keys per slide
    for slide in db.session.scalars(select(Slide).where(Slide.on_air.is_not(None))):
        snapshots = (slide.on_air, slide.on_air.get("previous") or {})
        per_screen = any(snap.get("qr_url") for snap in snapshots)
        region_path = slide.region.path
        combos: dict[tuple[int, int, str, int | None], bool] = {}  # → one of its screens is in the region
        for screen, path in screens:
            for lang in _languages(screen):
                combo = (screen.width, screen.height, lang, screen.id if per_screen else None)
                combos[combo] = combos.get(combo, False) or path.startswith(region_path)
        current: set[str] = set()
        for (width, height, lang, screen_id), in_region in combos.items():
            render_plan = api.render_plan(slide, width, height, lang, screen_id)
            if render_plan is None:
                continue
            key, _job, fallback = render_plan
            keys.add(key)
            if fallback:
                keys.add(fallback)
            if in_region:
                current.add(key)
        if current and _approved_before(slide.on_air, now - RENDERED_WITHIN):
            probes[bool(slide.on_air.get("qr_url"))].append(current)
    _check_keys_match(probes)
    return keys


def _approved_before(snapshot: dict, when: datetime) -> bool:
    try:
        approved = datetime.fromisoformat(snapshot["approved_at"])
    except (KeyError, TypeError, ValueError):
        return True
    return approved.tzinfo is not None and approved < when


def _check_keys_match(probes: dict[bool, list[set[str]]]) -> None:
    """Approval pre-renders a slide for the screens of its region. If, among slides approved a while ago,
    not one has a single such render under the keys computed here, those keys are not the server's."""
    for has_qr, slides in probes.items():
        if not slides:
            continue
        wanted = set().union(*slides)
        found: set[str] = set()
        for chunk in api.in_chunks(sorted(wanted)):
            found.update(db.session.scalars(select(Render.key).where(Render.key.in_(chunk))))
        if not any(current & found for current in slides):
            kind = "slides with a QR code" if has_qr else "slides"
            raise KeysMismatch(
                f"None of the {len(slides)} on-air {kind} has a render under the keys computed here: this "
                "process is not configured like the server (PUBLIC_BASE_URL, SECRET_KEY, fonts). Nothing deleted."
            )


def _media_keys(screens: list[Screen]) -> set[str]:
    """Thumbnail, renditions and cover-fitted sources of every media item at the sizes in service
    (jobs.make_renditions and jobs.image_source make them with these keys)."""
    sizes = sorted({(s.width, s.height) for s in screens if s.width > 0 and s.height > 0})
    renditions = [rendering.THUMB_SIZE, *sizes]
    boxes = cover_boxes(sizes)
    keys: set[str] = set()
    shas = set(db.session.scalars(select(Media.sha256).distinct()))
    shas |= {sha for sha, _ext in media_service.pinned_files()}
    for sha in sorted(shas):
        keys.update(rendering.rendition_key(sha, w, h) for w, h in renditions)
        keys.update(rendering.source_key(sha, w, h) for w, h in boxes)
    return keys


def cover_boxes(sizes: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The photo box sizes the renderer asks for, for every template at these canvas sizes (asked of the
    renderer itself with a blank slide and a stand-in photo, so the layout lives in one place)."""
    boxes: set[tuple[int, int]] = set()

    def record(size: tuple[int, int]):
        boxes.add((int(size[0]), int(size[1])))
        buffer = io.BytesIO()
        Image.new("RGB", (2, 2)).save(buffer, "PNG")
        buffer.seek(0)
        return buffer

    for width, height in sizes:
        for template in SlideTemplate:
            spec = {"template": template.value, "width": width, "height": height, "lang": "vi", "title": "",
                    "body": "", "caption": "", "image": None, "qr": None}
            renderer.render(spec, record)
    return boxes


# ---------------------------------------------------------------- collection


def collect(*, dry_run: bool = False, now: datetime | None = None) -> Collected:
    """Delete renders outside the live set and older than the grace period, then the files nothing else
    uses. With dry_run, only count what would be freed."""
    now = now or utcnow()
    days = grace_days()
    cutoff = now - timedelta(days=days)
    needed = needed_keys(now)
    stale = [row for row in db.session.execute(
        select(Render.id, Render.key, Render.sha256, Render.ext).where(Render.created_at < cutoff))
        if row.key not in needed]
    stale_ids = {row.id for row in stale}
    if not dry_run:
        for chunk in api.in_chunks(sorted(stale_ids)):
            db.session.execute(delete(Render).where(Render.id.in_(chunk)))
        db.session.commit()  # before any file goes: a crash from here on leaves orphan files, never dangling rows
    files, size = _remove_files({(row.sha256, row.ext) for row in stale},
                                pretend_deleted=stale_ids if dry_run else set(), dry_run=dry_run)
    result = Collected(rows=len(stale), files=files, bytes=size, dry_run=dry_run, grace_days=days)
    log.info("render gc: %s", result)
    return result


def _remove_files(candidates: set[tuple[str, str]], *, pretend_deleted: set[int], dry_run: bool) -> tuple[int, int]:
    """Unlink (or count) the files among these that no Render row, no Media row and no on-air snapshot
    refers to. The check runs chunk by chunk right before the unlinks, so a row committed meanwhile keeps
    its file."""
    files = size = 0
    for chunk in api.in_chunks(sorted(candidates)):
        shas = sorted({sha for sha, _ in chunk})
        used = {sha for render_id, sha in db.session.execute(
            select(Render.id, Render.sha256).where(Render.sha256.in_(shas))) if render_id not in pretend_deleted}
        used.update(db.session.scalars(select(Media.sha256).where(Media.sha256.in_(shas))))
        used.update({sha for sha, _ext in media_service.pinned_files()}.intersection(shas))
        db.session.commit()  # end the read: the next chunk's check sees rows committed in the meantime
        for sha, ext in chunk:
            if sha in used:
                continue
            path = storage.path_for(sha, ext)
            try:
                length = path.stat().st_size
                if not dry_run:
                    path.unlink()
            except FileNotFoundError:
                continue
            files += 1
            size += length
    return files, size


# ---------------------------------------------------------------- the daily job on the RQ scheduler


def daily_job() -> dict:
    """The scheduled run: superseded renders, then files no row refers to and abandoned temporary uploads;
    then plan tomorrow's (also after a failure)."""
    from content import storage_gc

    return DAILY.run(lambda: {**collect().as_dict(), "store": storage_gc.collect()})


def _plan_on_change(sender, **_) -> None:
    try:
        DAILY.plan()
    except Exception:  # planning housekeeping must never fail the change that triggered it
        log.exception("could not plan the render garbage collection")


def init_app(app: Flask) -> None:
    """A starting worker, and every content or screen change (what makes garbage), make sure a daily run
    is planned (a flushed Redis loses the plan; the next of these restores it)."""
    plan_on_worker_start(app, DAILY)
    content_changed.connect(_plan_on_change, sender=app, weak=False)
    screens_changed.connect(_plan_on_change, sender=app, weak=False)

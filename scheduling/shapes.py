"""Videos of another shape than the screens that play them (issue 12: portrait screens cropped 16:9 video to
its central third, and nobody was told).

`share` and `mismatch` are the pure core: a video is of another shape when its width:height differs from the
screen's by more than SHAPE_TOLERANCE (the player's automatic fit uses the same number, SHAPE_TOLERANCE in
players/static/js/stage.js), and `share` is how much of the picture a filled screen shows (cover) or how much
of the screen the whole picture takes (contain, pillarbox). `warnings` tells the operator scheduling a
playlist, per video, which screens show it cropped or shown whole.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from scheduling import content_port
from scheduling.manifest import flatten, load_playlists
from scheduling.models import Fit, ItemType
from signage.extensions import db
from signage.models import Screen

SHAPE_TOLERANCE = 0.15
NAMES_SHOWN = 3


def share(picture: tuple[int, int], screen: tuple[int, int]) -> float:
    """The smaller width:height over the larger: the part of the picture a filled screen shows, which is
    also the part of the screen the whole picture takes."""
    a, b = picture[0] / picture[1], screen[0] / screen[1]
    return min(a, b) / max(a, b)


def mismatch(picture: tuple[int, int], screen: tuple[int, int]) -> bool:
    if min(*picture, *screen) <= 0:
        return False  # a size not known: nothing to say
    return share(picture, screen) < 1 / (1 + SHAPE_TOLERANCE)


def effective_fit(fit: str | None, picture: tuple[int, int], screen: tuple[int, int]) -> str:
    """What the player does: the item's fit, else (automatic) cover for the same shape and contain for another."""
    if fit:
        return fit
    return Fit.CONTAIN.value if mismatch(picture, screen) else Fit.COVER.value


def warnings(playlist_ids: set[int], screen_ids: set[int]) -> list[str]:
    """One sentence per video of these playlists (nested ones included) and way of showing it, naming the
    screens of another shape that will play it."""
    if not playlist_ids or not screen_ids:
        return []
    screens = db.session.scalars(select(Screen).where(Screen.id.in_(screen_ids), Screen.retired_at.is_(None))
                                 .order_by(Screen.name)).all()
    playlists = load_playlists(playlist_ids)
    steps = [f for pid in sorted(playlist_ids) for f in flatten(pid, playlists) if f.item_type == ItemType.MEDIA.value]
    videos = content_port.content_api().video_shapes({f.item_id for f in steps})
    out: list[str] = []
    seen: set[tuple[int, str]] = set()
    for step in steps:
        video = videos.get(step.item_id)
        if video is None:
            continue
        picture = (video["width"], video["height"])
        by_fit: dict[str, list[Screen]] = {}
        for screen in screens:
            size = (screen.width, screen.height)
            if mismatch(picture, size):
                by_fit.setdefault(effective_fit(step.fit, picture, size), []).append(screen)
        for fit, shown_on in by_fit.items():
            if (step.item_id, fit) in seen:
                continue
            seen.add((step.item_id, fit))
            out.append(_sentence(video, fit, shown_on))
    return out


def _sentence(video: dict, fit: str, screens: list[Screen]) -> str:
    names = ", ".join(s.name for s in screens[:NAMES_SHOWN])
    if len(screens) > NAMES_SHOWN:
        names = _("%(names)s and %(n)d more", names=names, n=len(screens) - NAMES_SHOWN)
    percent = round(100 * min(share((video["width"], video["height"]), (s.width, s.height)) for s in screens))
    values = {"name": video["name"], "w": video["width"], "h": video["height"], "screens": names, "percent": percent}
    if fit == Fit.COVER.value:
        return _("The video “%(name)s” (%(w)d×%(h)d) has another shape than %(screens)s: filling the screen shows "
                 "only %(percent)d%% of its picture. Choose another fit for it in the playlist.", **values)
    if fit == Fit.PILLARBOX.value:
        return _("The video “%(name)s” (%(w)d×%(h)d) has another shape than %(screens)s: it is shown whole between "
                 "black bars, on %(percent)d%% of the screen.", **values)
    return _("The video “%(name)s” (%(w)d×%(h)d) has another shape than %(screens)s: it is shown whole over a "
             "blurred copy of itself, on %(percent)d%% of the screen.", **values)

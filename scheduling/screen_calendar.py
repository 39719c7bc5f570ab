"""Read model of the calendars: per screen, who wins when, and why, and whom it beats; for a group or a region,
the same with the screens that play alike merged (`shared_calendars`). Days are local days from `start`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from scheduling import timeline
from scheduling.manifest import ContentCatalogue, flatten, load_playlists, rules_for
from scheduling.models import Playlist, ScheduleEntry
from scheduling.targeting import default_playlist_id, entries_for_screen
from signage.extensions import db
from signage.models import Screen
from signage.timeutil import local_tz


def calendar(screen: Screen, start: datetime, days: int) -> list[dict]:
    """Per local day: segments with the winning entry (or the default), why it wins, and who it beats."""
    tz = local_tz()
    entries = entries_for_screen(screen, now=start)  # a past week shows the entries it had
    default_id = default_playlist_id(screen)
    roots = {e.playlist_id for e, _ in entries}
    playlists = load_playlists(roots)
    flat = {pid: flatten(pid, playlists) for pid in roots}
    catalogue = ContentCatalogue(screen)
    rules = rules_for(entries, flat, catalogue)
    by_id = {e.id: e for e, _ in entries}
    names = {p.id: p.name for p in db.session.scalars(select(Playlist).where(
        Playlist.id.in_(roots | ({default_id} if default_id else set()))))}
    out = []
    for d in range(days):
        day_start = (start + timedelta(days=d)).astimezone(tz)
        day_end = day_start + timedelta(days=1)
        segments = []
        for seg in timeline.resolve(rules, day_start, day_end, tz):
            entry: ScheduleEntry | None = by_id.get(seg.rule.entry_id) if seg.rule else None
            span = (day_end - day_start).total_seconds()
            segments.append({
                "start": seg.start, "end": seg.end, "entry": entry,
                "playlist": names.get(seg.rule.playlist_id if seg.rule else default_id, ""),
                "why": seg.why, "beaten": [by_id[r.entry_id] for r in seg.beaten if r.entry_id in by_id],
                "left": (seg.start - day_start).total_seconds() / span * 100,
                "width": (seg.end - seg.start).total_seconds() / span * 100,
            })
        out.append({"date": day_start.date(), "segments": segments})
    return out


def plan_key(days: list[dict]) -> tuple:
    """What a screen's calendar plays, without the screen: equal keys, equal programme."""
    return tuple((s["start"], s["end"], s["entry"].id if s["entry"] else None, s["playlist"])
                 for day in days for s in day["segments"])


def shared_calendars(screens: list[Screen], start: datetime, days: int) -> list[dict]:
    """The calendars of several screens (a group's, a region's), screens that play the same merged into one:
    [{"screens": [...], "days": calendar(...)}], the largest share first, then by the first screen's name."""
    plans: dict[tuple, dict] = {}
    for screen in sorted(screens, key=lambda s: s.name):
        cal = calendar(screen, start, days)
        plans.setdefault(plan_key(cal), {"screens": [], "days": cal})["screens"].append(screen)
    return sorted(plans.values(), key=lambda p: (-len(p["screens"]), p["screens"][0].name))

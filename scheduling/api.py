"""What other packages may ask scheduling (plain functions)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from scheduling.models import RegionDefault, ScheduleEntry, ScreenDefault
from scheduling.targeting import item_playlist_ids, playlists_containing
from signage.extensions import db
from signage.timeutil import localnow


def item_in_use(item_type: str, item_id: int) -> bool:
    """True when the item is on air now or scheduled in the future: in a playlist (at any nesting depth)
    that an enabled, not yet ended entry or a screen's default playlist uses."""
    playlists = playlists_containing(item_playlist_ids(item_type, item_id))
    if not playlists:
        return False
    today = localnow().date()
    scheduled = db.session.scalar(
        select(ScheduleEntry.id).where(
            ScheduleEntry.playlist_id.in_(playlists), ScheduleEntry.enabled.is_(True),
            or_(ScheduleEntry.end_date.is_(None), ScheduleEntry.end_date >= today - timedelta(days=1)),
        ).limit(1)
    )
    if scheduled is not None:
        return True
    return any(db.session.scalar(select(column).where(model.playlist_id.in_(playlists)).limit(1)) is not None
               for model, column in ((ScreenDefault, ScreenDefault.screen_id),
                                     (RegionDefault, RegionDefault.region_id)))

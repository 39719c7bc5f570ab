"""Demo schedule: the province's default playlist (inherited by every screen, including screens added
later) and a morning bulletin in Phan Thiết. Idempotent; runs after the content demo loader (it schedules
that content)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from scheduling import content_port, service
from scheduling.models import Playlist, PlaylistItem, RegionDefault, ScheduleEntry
from signage.extensions import db
from signage.models import Region
from signage.timeutil import localnow

DEFAULT_NAME = "Chương trình chung"
MORNING_NAME = "Bản tin buổi sáng"


def load_demo_schedule(data: dict) -> dict[str, int]:
    created = {"playlists": 0, "schedule entries": 0, "default playlists": 0}
    province = db.session.scalar(select(Region).where(Region.parent_id.is_(None)).order_by(Region.id))
    if province is None:
        return created
    items = content_port.content_api().schedulable_items(province.id)
    default = db.session.scalar(select(Playlist).where(Playlist.region_id == province.id,
                                                       Playlist.name == DEFAULT_NAME))
    if default is None:
        default = Playlist(region_id=province.id, name=DEFAULT_NAME,
                           description="Nội dung chung của tỉnh, phát khi không có lịch khác.")
        for pos, item in enumerate(items):
            default.items.append(PlaylistItem(position=pos, item_type=item["type"], item_id=item["id"]))
        service.save_playlist(default)
        created["playlists"] += 1
    if db.session.get(RegionDefault, province.id) is None:
        service.set_region_default(province, default.id)
        created["default playlists"] += 1
    city = db.session.scalar(select(Region).where(Region.code == "BT-PT"))
    slides = [i for i in items if i["type"] == "slide"]
    if city is not None and slides and not db.session.scalar(
            select(ScheduleEntry.id).where(ScheduleEntry.name == MORNING_NAME)):
        morning = Playlist(region_id=city.id, name=MORNING_NAME)
        morning.items.append(PlaylistItem(position=0, item_type="slide", item_id=slides[0]["id"], duration_s=15))
        service.save_playlist(morning)
        entry = ScheduleEntry(region_id=city.id, name=MORNING_NAME, playlist_id=morning.id, priority=60,
                              start_date=localnow().date() - timedelta(days=1), daypart_start="06:00",
                              daypart_end="09:00")
        service.save_entry(entry, [("region", city.id)])
        created["playlists"] += 1
        created["schedule entries"] += 1
    return created

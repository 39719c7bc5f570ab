"""Themes: the vocabulary every package tags its work with ("Năm Du lịch 2026", "Chuyển đổi số", ...), so that
reports can say how much airtime, how many scans and how many SMS each theme got.

Contract:
- A `Theme` has a name per language (`names`, Vietnamese required), a period (`starts_on` .. `ends_on`, both
  inclusive; open-ended when `ends_on` is empty), a colour for charts, and a region: it is offered to items of
  that region's subtree. At most one theme per region and calendar year is the year's main theme
  (`is_main`); marking another one main unmarks the first (`save_theme`).
- `ItemTheme(item_type, item_id, theme_id)` tags an item of another package without a foreign key to it
  (a tag outlives a deleted slide, like proof of play does). `item_type` is one of `ITEM_TYPES`.
- Inheritance is a reading rule, not stored: a playlist's items carry the playlist's themes, and a schedule
  entry's themes apply to everything it plays (reports.rollup.play_themes applies it).
- `set_themes` and `themes_of` are the only ways to write and read tags; neither commits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import get_locale
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.db_types import UTCDateTime
from signage.extensions import db
from signage.models import Audited, Region
from signage.timeutil import utcnow


class ItemKind(enum.StrEnum):
    SLIDE = "slide"
    TICKER = "ticker"
    MEDIA = "media"
    PLAYLIST = "playlist"
    ENTRY = "entry"  # a schedule entry
    CAMPAIGN = "campaign"  # an SMS campaign


ITEM_TYPES = tuple(k.value for k in ItemKind)
DEFAULT_COLOUR = "#0b6bcb"


class Theme(Audited, db.Model):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    #: {"vi": "...", "en": "..."}; "vi" is always present.
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_COLOUR)
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    region: Mapped[Region] = relationship()

    def name(self, language: str | None = None) -> str:
        """The name in `language` (default: the request's), else the Vietnamese one."""
        lang = language or _current_language()
        return (self.names or {}).get(lang) or (self.names or {}).get("vi") or f"#{self.id}"

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def __repr__(self) -> str:
        return f"<Theme {self.id} {self.name('vi')!r}>"


class ItemTheme(db.Model):
    """One tag: the item (`item_type`, `item_id`) belongs to the theme."""

    __tablename__ = "item_theme"
    __table_args__ = (
        CheckConstraint("item_type IN (" + ", ".join(f"'{t}'" for t in ITEM_TYPES) + ")",
                        name="ck_item_theme_item_type"),
    )

    item_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True)


def _current_language() -> str:
    try:
        return str(get_locale() or "vi")
    except RuntimeError:  # outside a request
        return "vi"


def _check_type(item_type: str) -> str:
    if item_type not in ITEM_TYPES:
        raise ValueError(f"unknown item type {item_type!r}")
    return item_type


def set_themes(item_type: str, item_id: int, ids: Iterable[int]) -> None:
    """Replace the themes of one item with `ids` (unknown ids are ignored). Does not commit."""
    _check_type(item_type)
    wanted = set(db.session.scalars(select(Theme.id).where(Theme.id.in_({int(i) for i in ids}))))
    have = set(themes_of(item_type, [item_id]).get(item_id, []))
    if wanted == have:
        return
    db.session.execute(delete(ItemTheme).where(ItemTheme.item_type == item_type, ItemTheme.item_id == item_id,
                                               ItemTheme.theme_id.not_in(wanted)))
    for theme_id in sorted(wanted - have):
        db.session.add(ItemTheme(item_type=item_type, item_id=item_id, theme_id=theme_id))
    db.session.flush()


def themes_of(item_type: str, ids: Iterable[int]) -> dict[int, list[int]]:
    """Theme ids per item id (items without themes are absent), sorted."""
    _check_type(item_type)
    wanted = list({int(i) for i in ids})
    found: dict[int, list[int]] = {}
    if not wanted:
        return found
    for item_id, theme_id in db.session.execute(
            select(ItemTheme.item_id, ItemTheme.theme_id).where(ItemTheme.item_type == item_type,
                                                                ItemTheme.item_id.in_(wanted))
            .order_by(ItemTheme.item_id, ItemTheme.theme_id)):
        found.setdefault(item_id, []).append(theme_id)
    return found


def all_tags() -> dict[tuple[str, int], frozenset[int]]:
    """Every tag as {(item_type, item_id): theme ids} (reports read it once per roll-up)."""
    tags: dict[tuple[str, int], set[int]] = {}
    for item_type, item_id, theme_id in db.session.execute(
            select(ItemTheme.item_type, ItemTheme.item_id, ItemTheme.theme_id)):
        tags.setdefault((item_type, item_id), set()).add(theme_id)
    return {key: frozenset(value) for key, value in tags.items()}


def themes_for_region(region: Region) -> list[Theme]:
    """Themes an item of `region` may carry: those of the region and of every region above it."""
    paths = [region.path[: i + 1] for i, ch in enumerate(region.path) if ch == "/" and i > 0]
    return list(db.session.scalars(
        select(Theme).join(Region, Region.id == Theme.region_id).where(Region.path.in_(paths))
        .order_by(Theme.starts_on.desc(), Theme.id)))


def theme_choices(region: Region, selected: Iterable[int] = ()) -> list[tuple[int, str]]:
    """(id, label) for a themes multi-select of someone working in `region`: the themes of the region and the
    regions above it, those of regions under it, and any already selected (so editing an item never drops a
    tag the editor cannot see)."""
    offered = themes_for_region(region) + list(db.session.scalars(
        select(Theme).join(Region, Region.id == Theme.region_id)
        .where(Region.path.startswith(region.path), Region.id != region.id).order_by(Theme.starts_on.desc())))
    extra = set(int(i) for i in selected) - {t.id for t in offered}
    if extra:
        offered += list(db.session.scalars(select(Theme).where(Theme.id.in_(extra))))
    return [(t.id, theme_label(t)) for t in offered]


def theme_label(theme: Theme) -> str:
    period = f"{theme.starts_on:%Y}" if theme.ends_on is None or theme.ends_on.year == theme.starts_on.year \
        else f"{theme.starts_on:%Y}–{theme.ends_on:%Y}"
    return f"{'★ ' if theme.is_main else ''}{theme.name()} ({period})"


def save_theme(theme: Theme) -> None:
    """Add or update a theme; a main theme unmarks the region's other main theme of the same year. Does not
    commit."""
    db.session.add(theme)
    db.session.flush()
    if theme.is_main:
        year = theme.starts_on.year
        db.session.execute(
            update(Theme).where(Theme.region_id == theme.region_id, Theme.id != theme.id, Theme.is_main.is_(True),
                                Theme.starts_on >= date(year, 1, 1), Theme.starts_on <= date(year, 12, 31))
            .values(is_main=False).execution_options(synchronize_session="fetch"))


def main_theme(region: Region, day: date) -> Theme | None:
    """The main theme of `day`'s year for `region`: its own, else the nearest region's above it."""
    themes = [t for t in themes_for_region(region) if t.is_main and t.starts_on.year == day.year]
    themes.sort(key=lambda t: len(t.region.path), reverse=True)
    return themes[0] if themes else None

"""Daily roll-ups of the raw rows (proof of play, QR scans, SMS messages) into the report tables, the late-row
bookkeeping, and the retention of raw rows. The table contract is in reports.models.

Pure cores (no database, no clock): `play_themes` (which themes a play carried), `play_rows`, `scan_rows`.
The I/O shells (`rollup_plays`, `rollup_scans`, `rollup_sms`) read one local day of raw rows and replace that
day's roll-up rows in one transaction; running one twice, or concurrently with itself, leaves the same rows.

Late rows: every raw table has an arrival time (`received_at` of plays, the scan's own time, the message's
claim/send/final times). `dirty_days` finds the days that got rows after the source's watermark; the nightly
job (reports.jobs) rolls those up again and moves the watermark — a player that was offline for a week gets
its plays counted on the days they were played.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date, and_, case, delete, exists, func, insert, literal, select

from content.models import QrScan
from players.models import PlayRecord
from reports.models import CampaignAudience, PlayDay, PlayMonth, RollupMark, ScanDay, SmsDay, Watermark
from scheduling.models import PlaylistItem, ScheduleEntry
from scheduling.targeting import default_playlist_ids
from signage.extensions import db
from signage.models import Screen
from signage.themes import all_tags
from signage.timeutil import local_tz, utcnow
from sms import audience
from sms.models import Campaign, Message, OptOut

SOURCES = ("plays", "scans", "sms")
#: Arrivals this close to "now" may still be committing: the watermark stays behind them (re-rolled next time).
SETTLE = timedelta(minutes=5)
OPT_OUT_WINDOW = timedelta(days=7)
INSERT_CHUNK = 5000


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(day, time(0), tzinfo=tz), datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


# ---------------------------------------------------------------- pure cores


@dataclass
class ThemeContext:
    """What `play_themes` needs: tags, playlist contents, each entry's playlist, each screen's default."""

    tags: dict[tuple[str, int], frozenset[int]] = field(default_factory=dict)
    contents: dict[int, list[tuple[str, int]]] = field(default_factory=dict)
    entry_playlist: dict[int, int] = field(default_factory=dict)
    screen_default: dict[int, int | None] = field(default_factory=dict)


def play_themes(item: tuple[str, int], entry_id: int | None, screen_id: int, ctx: ThemeContext) -> frozenset[int]:
    """The themes a play of `item` carried: the item's own, its entry's, and those of every playlist on a path
    from the entry's playlist (or the screen's default playlist when it played outside any entry) down to
    the item — a playlist's items inherit its themes, nested playlists included."""
    themes = set(ctx.tags.get(item, ()))
    if entry_id:
        themes |= ctx.tags.get(("entry", entry_id), frozenset())
        root = ctx.entry_playlist.get(entry_id)
    else:
        root = ctx.screen_default.get(screen_id)
    memo: dict[int, bool] = {}

    def visit(playlist_id: int, path: frozenset[int]) -> bool:
        if playlist_id in memo:
            return memo[playlist_id]
        found = False
        for child in ctx.contents.get(playlist_id, ()):
            if child == item:
                found = True
            elif child[0] == "playlist" and child[1] not in path and visit(child[1], path | {child[1]}):
                found = True
        memo[playlist_id] = found
        if found:
            themes.update(ctx.tags.get(("playlist", playlist_id), ()))
        return found

    if root is not None:
        visit(root, frozenset({root}))
    return frozenset(themes)


def play_rows(day: date, groups: Iterable[tuple], ctx: ThemeContext) -> list[dict]:
    """PlayDay rows from (screen_id, item_type, item_id, entry_id, plays, seconds, name) groups: one total row
    (theme 0) per group and one per theme it carried; groups that fall on the same key are added up."""
    out: dict[tuple, dict] = {}
    for screen_id, item_type, item_id, entry_id, plays, seconds, name in groups:
        themes = play_themes((item_type, item_id), entry_id, screen_id, ctx)
        for theme_id in (0, *sorted(themes)):
            key = (screen_id, item_type, item_id, entry_id or 0, theme_id)
            row = out.get(key)
            if row is None:
                out[key] = dict(day=day, screen_id=screen_id, item_type=item_type, item_id=item_id,
                                entry_id=entry_id or 0, theme_id=theme_id, plays=int(plays),
                                seconds=float(seconds or 0), name=(name or "")[:300])
            else:
                row["plays"] += int(plays)
                row["seconds"] += float(seconds or 0)
    return list(out.values())


def scan_rows(day: date, scans: Iterable[tuple[int | None, int, datetime]], tz: ZoneInfo) -> list[dict]:
    """ScanDay rows from (screen_id, slide_id, at) scans of one local day."""
    counts: dict[tuple[int, int, int], int] = defaultdict(int)
    for screen_id, slide_id, at in scans:
        counts[(screen_id or 0, slide_id, at.astimezone(tz).hour)] += 1
    return [dict(day=day, screen_id=s, slide_id=sl, hour=h, scans=n) for (s, sl, h), n in sorted(counts.items())]


def opted_out_within(sent: Iterable[tuple[int, datetime]], refusals: dict[int, list[datetime]],
                     window: timedelta = OPT_OUT_WINDOW) -> int:
    """How many of the (contact_id, sent_at) messages were followed by a refusal within `window`."""
    return sum(1 for contact_id, at in sent
               if any(at <= when <= at + window for when in refusals.get(contact_id, ())))


# ---------------------------------------------------------------- I/O shells


def _replace_day(model, day: date, rows: list[dict], source: str) -> int:
    """Delete the day's rows and insert the new ones in one transaction, and mark the day rolled up."""
    try:
        db.session.execute(delete(model).where(model.day == day))
        for i in range(0, len(rows), INSERT_CHUNK):
            db.session.execute(insert(model), rows[i:i + INSERT_CHUNK])
        db.session.execute(delete(RollupMark).where(RollupMark.source == source, RollupMark.day == day))
        db.session.add(RollupMark(source=source, day=day, rolled_at=utcnow(), rows=len(rows)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(rows)


def theme_context(screen_ids: set[int] | None = None, entry_ids: set[int] | None = None) -> ThemeContext:
    """The tags and playlists the roll-up needs, for these screens and entries (None: all of them)."""
    contents: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for playlist_id, item_type, item_id in db.session.execute(
            select(PlaylistItem.playlist_id, PlaylistItem.item_type, PlaylistItem.item_id)
            .order_by(PlaylistItem.playlist_id, PlaylistItem.position)):
        contents[playlist_id].append((item_type, item_id))
    entry_query = select(ScheduleEntry.id, ScheduleEntry.playlist_id)
    screen_query = select(Screen)
    if entry_ids is not None:
        entry_query = entry_query.where(ScheduleEntry.id.in_(entry_ids))
    if screen_ids is not None:
        screen_query = screen_query.where(Screen.id.in_(screen_ids))
    entries = dict(db.session.execute(entry_query).all()) if entry_ids is None or entry_ids else {}
    screens = list(db.session.scalars(screen_query)) if screen_ids is None or screen_ids else []
    return ThemeContext(tags=all_tags(), contents=dict(contents), entry_playlist=entries,
                        screen_default=default_playlist_ids(screens) if screens else {})


def rollup_plays(day: date, ctx: ThemeContext | None = None, *, month: bool = True) -> int:
    """Roll up one local day of proof of play (and its month, unless `month` is False: a run of many days
    rebuilds each month once); returns the number of roll-up rows. `ctx` may be shared by a run's days."""
    start, end = day_bounds(day, local_tz())
    groups = db.session.execute(
        select(PlayRecord.screen_id, PlayRecord.item_type, PlayRecord.item_id, PlayRecord.entry_id,
               func.count(), func.sum(PlayRecord.duration_s), func.max(PlayRecord.name))
        .where(PlayRecord.started_at >= start, PlayRecord.started_at < end)
        .group_by(PlayRecord.screen_id, PlayRecord.item_type, PlayRecord.item_id, PlayRecord.entry_id)).all()
    ctx = ctx or theme_context({g[0] for g in groups}, {g[3] for g in groups if g[3]})
    rows = _replace_day(PlayDay, day, play_rows(day, groups, ctx), "plays")
    if month:
        rollup_month(day)
    return rows


def month_of(day: date) -> date:
    return day.replace(day=1)


def rollup_month(day: date) -> None:
    """Rebuild the `PlayMonth` rows of `day`'s month from its `PlayDay` rows (one transaction)."""
    first = month_of(day)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    keys = (PlayDay.screen_id, PlayDay.item_type, PlayDay.item_id, PlayDay.entry_id, PlayDay.theme_id)
    summed = (select(literal(first, Date()).label("month"), *keys, func.sum(PlayDay.plays), func.sum(PlayDay.seconds),
                     func.max(PlayDay.name))
              .where(PlayDay.day >= first, PlayDay.day <= last).group_by(*keys))
    try:
        db.session.execute(delete(PlayMonth).where(PlayMonth.month == first))
        db.session.execute(insert(PlayMonth).from_select(
            ["month", "screen_id", "item_type", "item_id", "entry_id", "theme_id", "plays", "seconds", "name"],
            summed))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def rollup_scans(day: date) -> int:
    tz = local_tz()
    start, end = day_bounds(day, tz)
    scans = db.session.execute(select(QrScan.screen_id, QrScan.slide_id, QrScan.at)
                               .where(QrScan.at >= start, QrScan.at < end)).all()
    return _replace_day(ScanDay, day, scan_rows(day, scans, tz), "scans")


def event_time():
    """When a message counts: sent, else its final state, else its claim (queued messages do not count yet)."""
    return func.coalesce(Message.sent_at, Message.final_at, Message.claimed_at)


def rollup_sms(day: date) -> int:
    start, end = day_bounds(day, local_tz())
    price = current_app.config["SMS_PRICE_PER_SEGMENT"]
    when = event_time()
    in_day = and_(when >= start, when < end)
    is_sent = Message.sent_at.is_not(None)
    groups = db.session.execute(
        select(Message.campaign_id, Message.language, Message.state, Message.skip_reason, func.count(),
               func.sum(case((is_sent, 1), else_=0)),
               func.sum(case((is_sent, Message.segments), else_=0)),
               func.sum(case((Message.price.is_not(None), 1), else_=0)),
               func.sum(func.coalesce(Message.price, 0.0)),
               func.sum(case((and_(is_sent, Message.price.is_(None)), Message.segments), else_=0)))
        .where(in_day)
        .group_by(Message.campaign_id, Message.language, Message.state, Message.skip_reason)).all()
    # opted out within 7 days of a sent message: the contact refused the campaign's kind
    sent = db.session.execute(
        select(Message.campaign_id, Message.language, Message.state, Message.skip_reason, Message.contact_id,
               Message.sent_at, Campaign.kind)
        .join(Campaign, Campaign.id == Message.campaign_id).where(in_day, is_sent)).all()
    refusals: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    contact_ids = sorted({r.contact_id for r in sent})
    for i in range(0, len(contact_ids), 900):
        for contact_id, kind, at in db.session.execute(
                select(OptOut.contact_id, OptOut.kind, OptOut.at).where(OptOut.contact_id.in_(contact_ids[i:i + 900]))):
            refusals[(contact_id, kind)].append(at)
    opted: dict[tuple, int] = defaultdict(int)
    for r in sent:
        if opted_out_within([(r.contact_id, r.sent_at)], {r.contact_id: refusals.get((r.contact_id, r.kind), [])}):
            opted[(r.campaign_id, r.language, r.state, r.skip_reason)] += 1
    rows = [dict(day=day, campaign_id=c, language=lang, state=state, skip_reason=reason or "", messages=n,
                 sent=int(s or 0), segments=int(seg or 0), priced=int(priced or 0), cost_reported=float(cost or 0),
                 cost_estimated=round(float(unpriced or 0) * price, 6),
                 opted_out=opted.get((c, lang, state, reason), 0))
            for c, lang, state, reason, n, s, seg, priced, cost, unpriced in groups]
    _snapshot_audiences({r["campaign_id"] for r in rows})
    return _replace_day(SmsDay, day, rows, "sms")


def _snapshot_audiences(campaign_ids: set[int]) -> None:
    """Take the audience funnel of campaigns that have none yet (at their materialisation time)."""
    have = set(db.session.scalars(select(CampaignAudience.campaign_id).where(
        CampaignAudience.campaign_id.in_(campaign_ids)))) if campaign_ids else set()
    for campaign in db.session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids - have))):
        at = campaign.materialised_at or campaign.started_at or campaign.created_at
        steps = audience.preview_counts(campaign, now=at, cap=int(current_app.config["SMS_DAILY_CAP"]))
        for position, step in enumerate(steps):
            db.session.add(CampaignAudience(campaign_id=campaign.id, position=position, step=step.key,
                                            remaining=step.remaining, removed=step.removed, taken_at=utcnow()))
    db.session.commit()


ROLLUPS = {"plays": rollup_plays, "scans": rollup_scans, "sms": rollup_sms}


# ---------------------------------------------------------------- late rows and the nightly run


def _arrivals(source: str):
    """(arrival column or expression, event-time column or expression) of a source's raw rows."""
    if source == "plays":
        return PlayRecord.received_at, PlayRecord.started_at
    if source == "scans":
        return QrScan.at, QrScan.at
    latest_change = func.coalesce(Message.final_at, Message.sent_at, Message.claimed_at)
    return latest_change, event_time()


def dirty_days(source: str, since: datetime | None, upto: datetime) -> list[date]:
    """Local days with raw rows of `source` that arrived in (since, upto] (every day with rows when `since`
    is None)."""
    tz = local_tz()
    arrived, event = _arrivals(source)
    cond = [arrived <= upto] + ([arrived > since] if since is not None else [])
    if source == "sms":
        cond.append(event.is_not(None))
    low, high = db.session.execute(select(func.min(event), func.max(event)).where(*cond)).one()
    if low is None:
        return []
    first, last = low.astimezone(tz).date(), high.astimezone(tz).date()
    days, day = [], first
    while day <= last:
        start, end = day_bounds(day, tz)
        if db.session.scalar(select(exists().where(*cond, event >= start, event < end))):
            days.append(day)
        day += timedelta(days=1)
    return days


def roll_up_changes(now: datetime) -> dict[str, list[date]]:
    """Roll up every day that got rows since the last run (and, for SMS, the last 8 days: opt-outs within 7
    days of a message change them), then move each source's watermark. Idempotent."""
    upto = now - SETTLE
    done: dict[str, list[date]] = {}
    for source in SOURCES:
        mark = db.session.get(Watermark, source)
        days = set(dirty_days(source, mark.upto if mark else None, upto))
        if source == "sms":
            today = now.astimezone(local_tz()).date()
            days |= {today - timedelta(days=n) for n in range(1, 9)}
        ctx = theme_context() if source == "plays" and len(days) > 1 else None
        for day in sorted(days):
            if source == "plays":
                rollup_plays(day, ctx, month=False)
            else:
                ROLLUPS[source](day)
        if source == "plays":
            for first in sorted({month_of(d) for d in days}):
                rollup_month(first)
        mark = db.session.get(Watermark, source)
        if mark is None:
            db.session.add(Watermark(source=source, upto=upto))
        else:
            mark.upto = max(mark.upto, upto)
        db.session.commit()
        done[source] = sorted(days)
    return done


def purge_raw(now: datetime) -> dict[str, int]:
    """Delete proof of play and QR scans older than REPORTS_RAW_RETENTION_DAYS (their days are rolled up
    first when they were not yet)."""
    keep = int(current_app.config["REPORTS_RAW_RETENTION_DAYS"])
    cutoff = datetime.combine((now.astimezone(local_tz()) - timedelta(days=keep)).date(), time(0), tzinfo=local_tz())
    counts = {}
    tz = local_tz()
    for source, model, column in (("plays", PlayRecord, PlayRecord.started_at), ("scans", QrScan, QrScan.at)):
        oldest = db.session.scalar(select(func.min(column)).where(column < cutoff))
        if oldest is not None:
            day, rolled = oldest.astimezone(tz).date(), set(db.session.scalars(
                select(RollupMark.day).where(RollupMark.source == source)))
            while day_bounds(day, tz)[1] <= cutoff:
                if day not in rolled:
                    ROLLUPS[source](day)
                day += timedelta(days=1)
        result = db.session.execute(delete(model).where(column < cutoff))
        db.session.commit()
        counts[source] = result.rowcount or 0
    return counts


def rolled_up_through(source: str = "plays") -> date | None:
    return db.session.scalar(select(func.max(RollupMark.day)).where(RollupMark.source == source))


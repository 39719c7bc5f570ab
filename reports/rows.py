"""Drill-downs: the raw rows behind a number of the reports, for a CSV download. Each function takes the
scope, the period and the URL's extra filters, and returns (header, chunks of rows) — rows are read in
chunks, so a year of proof of play streams without being held in memory. Raw plays and scans older than
REPORTS_RAW_RETENTION_DAYS are gone (their daily roll-ups remain, in the exports). Phone numbers are masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from content.models import QrScan
from players.models import PlayRecord, ScreenInterval
from reports.indicators import Scope, region_ids, scope_campaigns, scope_screens
from reports.periods import Period
from reports.rollup import OPT_OUT_WINDOW, event_time, opted_out_within, play_themes, theme_context
from scheduling.models import ScheduleEntry
from signage.extensions import db
from signage.models import Region
from signage.themes import ItemTheme
from signage.timeutil import local_tz
from sms.models import ConsentRecord, Contact, Message, OptOut

CHUNK = 2000
Rows = tuple[list[str], Iterator[list[list]]]


def mask(phone: str) -> str:
    return phone[:4] + "•" * max(0, len(phone) - 7) + phone[-3:] if len(phone) > 7 else "•••"


def _local(value: datetime | None) -> str:
    return value.astimezone(local_tz()).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _int_arg(args: Mapping[str, str], key: str) -> int | None:
    try:
        return int(args[key]) if args.get(key, "") != "" else None
    except ValueError:
        return None


def _partitions(stmt) -> Iterator:
    yield from db.session.execute(stmt.execution_options(yield_per=CHUNK)).partitions()


def plays(scope: Scope, period: Period, args: Mapping[str, str]) -> Rows:
    start, end = period.bounds(local_tz())
    screens = {s.id: s.name for s in scope_screens(scope)}
    stmt = select(PlayRecord).where(PlayRecord.screen_id.in_(list(screens)), PlayRecord.started_at >= start,
                                    PlayRecord.started_at < end)
    if args.get("item") and ":" in args["item"]:
        item_type, _sep, item_id = args["item"].partition(":")
        stmt = stmt.where(PlayRecord.item_type == item_type, PlayRecord.item_id == (_int_arg({"i": item_id}, "i") or 0))
    entry = _int_arg(args, "entry")
    if entry is not None:
        stmt = stmt.where(PlayRecord.entry_id == entry if entry else PlayRecord.entry_id.is_(None))
    ctx = theme_context(set(screens), set()) if scope.theme_id else None
    if ctx is not None:
        ctx.entry_playlist = dict(db.session.execute(select(ScheduleEntry.id, ScheduleEntry.playlist_id)).all())
    header = [_("Started"), _("Screen"), _("Content type"), _("Item"), _("Name"), _("Schedule entry"), _("Seconds"),
              _("Received")]

    def chunks():
        cache: dict[tuple, bool] = {}
        for part in _partitions(stmt.order_by(PlayRecord.started_at)):
            out = []
            for (p,) in part:
                if ctx is not None:
                    key = (p.screen_id, p.item_type, p.item_id, p.entry_id)
                    if key not in cache:
                        cache[key] = scope.theme_id in play_themes((p.item_type, p.item_id), p.entry_id, p.screen_id,
                                                                   ctx)
                    if not cache[key]:
                        continue
                out.append([_local(p.started_at), screens.get(p.screen_id, p.screen_id), p.item_type, p.item_id,
                            p.name, p.entry_id or "", round(p.duration_s, 3), _local(p.received_at)])
            yield out

    return header, chunks()


def scans(scope: Scope, period: Period, args: Mapping[str, str]) -> Rows:
    tz = local_tz()
    start, end = period.bounds(tz)
    screens = {s.id: s.name for s in scope_screens(scope)}
    where = QrScan.screen_id.in_(list(screens))
    if not (scope.screen_id or scope.group_id):
        where = or_(where, QrScan.screen_id.is_(None)) if scope.region.parent_id is None else where
    stmt = select(QrScan).where(where, QrScan.at >= start, QrScan.at < end)
    if _int_arg(args, "slide") is not None:
        stmt = stmt.where(QrScan.slide_id == _int_arg(args, "slide"))
    if scope.theme_id:
        stmt = stmt.where(QrScan.slide_id.in_(select(ItemTheme.item_id).where(
            ItemTheme.item_type == "slide", ItemTheme.theme_id == scope.theme_id)))
    hour, weekday = _int_arg(args, "hour"), _int_arg(args, "weekday")
    header = [_("Time"), _("Screen"), _("Slide"), _("Link")]

    def chunks():
        for part in _partitions(stmt.order_by(QrScan.at)):
            out = []
            for (s,) in part:
                local = s.at.astimezone(tz)
                if (hour is not None and local.hour != hour) or (weekday is not None and local.weekday() != weekday):
                    continue
                out.append([_local(s.at), screens.get(s.screen_id, ""), s.slide_id, s.target_url])
            yield out

    return header, chunks()


def messages(scope: Scope, period: Period, args: Mapping[str, str]) -> Rows:
    start, end = period.bounds(local_tz())
    campaigns = {c.id: c for c in scope_campaigns(scope)}
    when = Message.sent_at.is_not(None)
    event = event_time()
    stmt = select(Message).where(Message.campaign_id.in_(list(campaigns)), event >= start, event < end)
    state = args.get("state")
    if state == "failed":
        stmt = stmt.where(Message.state.in_(["failed", "undelivered"]))
    elif state:
        stmt = stmt.where(Message.state == state)
    if args.get("reason"):
        stmt = stmt.where(Message.skip_reason == args["reason"])
    if args.get("sent") == "1" or args.get("opted_out") == "1":
        stmt = stmt.where(when)
    if args.get("language"):
        stmt = stmt.where(Message.language == args["language"])
    if args.get("campaign_kind"):
        stmt = stmt.where(Message.campaign_id.in_([c.id for c in campaigns.values()
                                                   if c.kind == args["campaign_kind"]]))
    only_opted = args.get("opted_out") == "1"
    header = [_("Message id"), _("Campaign"), _("Language"), _("State"), _("Skipped because"), _("Phone"),
              _("Segments"), _("Reported price"), _("Sent"), _("Final"), _("Error")]

    def chunks():
        for part in _partitions(stmt.order_by(Message.id)):
            batch = [m for (m,) in part]
            if only_opted:
                refusals: dict[int, list[datetime]] = {}
                for cid, kind, at in db.session.execute(select(OptOut.contact_id, OptOut.kind, OptOut.at).where(
                        OptOut.contact_id.in_({m.contact_id for m in batch}))):
                    refusals.setdefault((cid, kind), []).append(at)
                batch = [m for m in batch if opted_out_within([(m.contact_id, m.sent_at)], {
                    m.contact_id: refusals.get((m.contact_id, campaigns[m.campaign_id].kind), [])}, OPT_OUT_WINDOW)]
            yield [[m.id, campaigns[m.campaign_id].name, m.language, m.state, m.skip_reason, mask(m.phone), m.segments,
                    m.price, _local(m.sent_at), _local(m.final_at), m.error_code] for m in batch]

    return header, chunks()


def intervals(scope: Scope, period: Period, args: Mapping[str, str]) -> Rows:
    start, end = period.bounds(local_tz())
    screens = {s.id: s.name for s in scope_screens(scope)}
    stmt = select(ScreenInterval).where(
        ScreenInterval.screen_id.in_(list(screens)), ScreenInterval.started_at < end,
        or_(ScreenInterval.ended_at.is_(None), ScreenInterval.ended_at > start))
    header = [_("Screen"), _("State"), _("From"), _("Until"), _("Seconds in the period")]

    def chunks():
        for part in _partitions(stmt.order_by(ScreenInterval.screen_id, ScreenInterval.started_at)):
            out = []
            for (iv,) in part:
                lo, hi = max(iv.started_at, start), min(iv.ended_at or datetime.now(iv.started_at.tzinfo), end)
                out.append([screens[iv.screen_id], _("online") if iv.online else _("offline"), _local(iv.started_at),
                            _local(iv.ended_at), round(max(0.0, (hi - lo).total_seconds()))])
            yield out

    return header, chunks()


def optins(scope: Scope, period: Period, args: Mapping[str, str]) -> Rows:
    tz = local_tz()
    start, end = period.bounds(tz)
    stmt = (select(ConsentRecord, Contact.phone, Contact.kind, Region.name)
            .join(Contact, Contact.id == ConsentRecord.contact_id).join(Region, Region.id == Contact.region_id)
            .where(ConsentRecord.at >= start, ConsentRecord.at < end, Contact.region_id.in_(region_ids(scope.region))))
    screens = {s.id for s in scope_screens(scope)} if (scope.screen_id or scope.group_id) else None
    if screens is not None:
        refs = [f"screen-{i}" for i in screens] + [str(i) for i in screens]
        stmt = stmt.where(and_(ConsentRecord.source == "qr_optin", ConsentRecord.source_ref.in_(refs)))
    on, by = args.get("on"), args.get("by")
    header = [_("Time"), _("Source"), _("Screen or code"), _("Language"), _("Kind"), _("Region"), _("Phone")]

    def chunks():
        for part in _partitions(stmt.order_by(ConsentRecord.at)):
            out = []
            for consent, phone, kind, region in part:
                day = consent.at.astimezone(tz).date()
                if on and (day.isoformat() if by == "day" else day.replace(day=1).isoformat()) != on:
                    continue
                out.append([_local(consent.at), consent.source, consent.source_ref, consent.language, kind, region,
                            mask(phone)])
            yield out

    return header, chunks()


KINDS: dict[str, Callable[[Scope, Period, Mapping[str, str]], Rows]] = {
    "plays": plays, "scans": scans, "messages": messages, "intervals": intervals, "optins": optins}

"""The indicators of the provincial plans, per period and scope, read from the roll-ups (and, for uptime,
opt-ins and opt-outs, from their own small tables).

`compute(scope, period, now)` returns every number the dashboard, the period report, the exports and the
API show — one computation, four presentations. A `Scope` is a region subtree (inside the viewer's: the
views check it) narrowed by theme, screen group, screen and SMS campaign. Numbers of a period count whole
local days; the roll-ups reach up to the last night's run (`Indicators.rolled_through`).

Indicator definitions:
- airtime: seconds actually played (proof of play), in hours; plays: proof-of-play records.
- uptime: online time ÷ (online + offline) time of the scope's screens in the period, from the online/offline
  history (time before a screen's first heartbeat counts as neither).
- scans: QR scans of slides on the scope's screens (scans without a screen count for the region root only).
- opt-ins: consents given in the period by contacts of the scope's regions; attributed to a screen when the
  QR code that brought them named one.
- SMS funnel: audience (after the campaign's own filters) → removed by each rule before sending (opted out,
  no consent, on a suppression list) → skipped by a rule at send time → sent → delivered → failed → opted out
  within 7 days. Cost = the gateway's reported price where it gave one, else segments × SMS_PRICE_PER_SEGMENT.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from alerts.forms import END_REASON_LABELS, LEVEL_LABELS
from alerts.models import EmergencyAlert, Level
from content.models import Slide
from players.heartbeat import is_stale, latest
from players.intervals import split_uptime
from players.models import ScreenInterval
from reports.models import CampaignAudience, PlayDay, PlayMonth, ScanDay, SmsDay, Target
from reports.periods import Period
from reports.rollup import rolled_up_through
from reports.tables import Column, Table
from scheduling.models import ScheduleEntry
from scheduling.targeting import target_screen_ids
from signage.extensions import db
from signage.labels import label as code_label
from signage.models import AuditLog, Region, Screen
from signage.themes import ItemTheme, Theme
from signage.timeutil import local_tz
from sms.models import Campaign, ConsentRecord, Contact, OptOut

#: indicator key → (label, direction: "min" = the actual should reach the target, "max" = stay under it)
INDICATORS = {
    "airtime_hours": (_l("Airtime (hours)"), "min"),
    "plays": (_l("Plays"), "min"),
    "uptime_pct": (_l("Uptime (%)"), "min"),
    "scans": (_l("QR scans"), "min"),
    "optins": (_l("Opt-ins"), "min"),
    "tourist_optins": (_l("Tourist opt-ins"), "min"),
    "sms_sent": (_l("SMS sent"), "min"),
    "sms_delivered": (_l("SMS delivered"), "min"),
    "sms_delivery_pct": (_l("SMS delivery rate (%)"), "min"),
    "sms_cost": (_l("SMS cost"), "max"),
    "sms_opted_out": (_l("Opted out within 7 days of an SMS"), "max"),
}
REMOVAL_STEPS = ("opted_out", "consent", "suppressed")
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
STEP_LABELS = {
    "opted_out": _l("opted out of this kind"), "consent": _l("no prior consent"),
    "suppressed": _l("on a suppression list"), "no_consent": _l("no prior consent"),
    "expired": _l("campaign expired"), "daily_cap": _l("daily cap"), "outside_window": _l("outside 07:00–22:00"),
}


@dataclass(frozen=True)
class Scope:
    region: Region
    theme_id: int | None = None
    group_id: int | None = None
    screen_id: int | None = None
    campaign_id: int | None = None

    def query(self) -> dict[str, str]:
        out = {"region": str(self.region.id)}
        for key in ("theme_id", "group_id", "screen_id", "campaign_id"):
            if getattr(self, key):
                out[key.removesuffix("_id")] = str(getattr(self, key))
        return out


@dataclass
class Indicators:
    scope: Scope
    period: Period
    summary: dict[str, float | None]
    tables: dict[str, Table]
    series: dict[str, list] = field(default_factory=dict)
    rolled_through: date | None = None
    currency: str = "USD"


# ---------------------------------------------------------------- scope helpers


def region_ids(region: Region) -> select:
    return select(Region.id).where(Region.path.startswith(region.path))


def scope_screens(scope: Scope) -> list[Screen]:
    """Screens of the scope, retired ones too (their history counts)."""
    query = select(Screen).join(Region, Region.id == Screen.region_id).where(Region.path.startswith(scope.region.path))
    if scope.screen_id:
        query = query.where(Screen.id == scope.screen_id)
    if scope.group_id:
        query = query.where(Screen.id.in_(target_screen_ids([("group", scope.group_id)]) or {-1}))
    return list(db.session.scalars(query.order_by(Region.path, Screen.name)))


def scope_campaigns(scope: Scope) -> list[Campaign]:
    query = select(Campaign).where(Campaign.region_id.in_(region_ids(scope.region)))
    if scope.campaign_id:
        query = query.where(Campaign.id == scope.campaign_id)
    if scope.theme_id:
        query = query.where(Campaign.id.in_(select(ItemTheme.item_id).where(
            ItemTheme.item_type == "campaign", ItemTheme.theme_id == scope.theme_id)))
    return list(db.session.scalars(query.order_by(Campaign.id)))


def _child_region(screen: Screen, root: Region, regions: dict[int, Region]) -> Region:
    """The region one level below `root` that holds the screen (or `root` itself)."""
    region = regions[screen.region_id]
    parts = [p for p in region.path.split("/") if p]
    depth = root.path.count("/") - 1
    return regions.get(int(parts[depth])) if len(parts) > depth else root


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


# ---------------------------------------------------------------- compute


def compute(scope: Scope, period: Period, now: datetime) -> Indicators:
    tz = local_tz()
    start, end = period.bounds(tz)
    screens = scope_screens(scope)
    ids = [s.id for s in screens]
    regions = {r.id: r for r in db.session.scalars(select(Region).where(Region.path.startswith(scope.region.path)))}
    names = {s.id: s.name for s in screens}
    theme = scope.theme_id or 0
    tables: dict[str, Table] = {}
    series: dict[str, list] = {}
    summary: dict[str, float | None] = {}

    # ---- airtime and plays
    # the whole province with no screen filter reads every row: no list of 500 ids for the database to check
    everything = scope.region.parent_id is None and not (scope.screen_id or scope.group_id)

    def on_screens(m, theme_cond=None):
        cond = [m.theme_id == theme if theme_cond is None else theme_cond(m)]
        return cond if everything else [*cond, m.screen_id.in_(ids)]

    per_screen = {key[0]: (v[0], v[1]) for key, v in played(period, lambda m: [m.screen_id], on_screens).items()}
    total_plays = sum(p for p, _ in per_screen.values())
    total_seconds = sum(s for _, s in per_screen.values())
    summary["plays"], summary["airtime_hours"] = total_plays, round(total_seconds / 3600, 2)
    by_day = defaultdict(float)
    for (day,), (_plays, seconds, _name) in played(period, lambda m: [_date_column(m)], on_screens,
                                                   daily=period.bucket == "day").items():
        by_day[period.bucket_of(day)] += seconds
    series["airtime"] = [(b, round(by_day.get(b, 0.0) / 3600, 2)) for b in period.buckets()]

    every = total_seconds if not theme else sum(
        v[1] for v in played(period, lambda m: [], lambda m: on_screens(m, lambda t: t.theme_id == 0)).values())
    theme_rows = sorted(((key[0], v[0], v[1]) for key, v in played(
        period, lambda m: [m.theme_id], lambda m: on_screens(m, lambda t: t.theme_id != 0)).items()),
        key=lambda r: -r[2])
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.id.in_([r[0] for r in theme_rows])))}
    t = Table("airtime_by_theme", _l("Airtime per theme"), [
        Column("theme", _l("Theme")), Column("plays", _l("Plays"), "int"), Column("hours", _l("Hours"), "float"),
        Column("share", _l("Share of all airtime (%)"), "pct")],
        note=_l("A play can carry several themes, so shares may add up to more than 100 %."))
    for theme_id, plays, seconds in theme_rows:
        name = themes[theme_id].name() if theme_id in themes else f"#{theme_id}"
        t.rows.append({"theme": name, "plays": int(plays), "hours": round(float(seconds) / 3600, 2),
                       "share": _pct(float(seconds), every), "_colour": getattr(themes.get(theme_id), "colour", None)})
        t.drill.append({"plays": {"kind": "plays", "theme": theme_id}, "hours": {"kind": "plays", "theme": theme_id}})
    tables[t.key] = t

    # ---- uptime (online/offline history)
    uptime = uptime_per_screen(ids, start, end, now)
    up_on = sum(v[0] for v in uptime.values())
    up_all = sum(v[0] + v[1] for v in uptime.values())
    summary["uptime_pct"] = _pct(up_on, up_all)
    summary["screens"] = len([s for s in screens if not s.retired])

    # ---- scans
    scan_cond = [ScanDay.day >= period.start, ScanDay.day <= period.end]
    if not everything:
        scan_cond.append(ScanDay.screen_id.in_(ids))
    if scope.theme_id:
        scan_cond.append(ScanDay.slide_id.in_(select(ItemTheme.item_id).where(
            ItemTheme.item_type == "slide", ItemTheme.theme_id == scope.theme_id)))
    scans_per_screen = dict(db.session.execute(select(ScanDay.screen_id, func.sum(ScanDay.scans))
                                               .where(*scan_cond).group_by(ScanDay.screen_id)).all())
    summary["scans"] = int(sum(scans_per_screen.values()))

    # ---- opt-ins (new consents) and opt-outs of contacts in the scope's regions
    optin_rows = db.session.execute(
        select(ConsentRecord.source, ConsentRecord.source_ref, ConsentRecord.at, Contact.kind)
        .join(Contact, Contact.id == ConsentRecord.contact_id)
        .where(ConsentRecord.at >= start, ConsentRecord.at < end,
               Contact.region_id.in_(region_ids(scope.region)))).all()
    optins_by_screen: dict[int, int] = defaultdict(int)
    optin_trend: dict[date, int] = defaultdict(int)
    summary["optins"] = summary["tourist_optins"] = 0
    for source, ref, at, kind in optin_rows:
        screen = _screen_of(ref) if source == "qr_optin" else None
        if (scope.screen_id or scope.group_id) and screen not in names:
            continue
        if screen is not None:
            optins_by_screen[screen] += 1
        summary["optins"] += 1
        summary["tourist_optins"] += kind == "tourist"
        optin_trend[period.bucket_of(at.astimezone(tz).date())] += 1
    optout_trend: dict[date, int] = defaultdict(int)
    for (at,) in db.session.execute(select(OptOut.at).join(Contact, Contact.id == OptOut.contact_id).where(
            OptOut.at >= start, OptOut.at < end, Contact.region_id.in_(region_ids(scope.region)))):
        optout_trend[period.bucket_of(at.astimezone(tz).date())] += 1
    series["optins"] = [(b, optin_trend.get(b, 0), optout_trend.get(b, 0)) for b in period.buckets()]
    t = Table("optin_trend", _l("Opt-ins and opt-outs"), [
        Column("bucket", _l("Period"), "date"), Column("optins", _l("Opt-ins"), "int"),
        Column("optouts", _l("Opt-outs"), "int")])
    for b, i, o in series["optins"]:
        t.rows.append({"bucket": b, "optins": i, "optouts": o})
        t.drill.append({"optins": {"kind": "optins", "on": b.isoformat(), "by": period.bucket}})
    tables[t.key] = t

    # ---- screens table and the region breakdown
    t = Table("screens", _l("Screens"), [
        Column("screen", _l("Screen")), Column("region", _l("Region")), Column("plays", _l("Plays"), "int"),
        Column("hours", _l("Hours played"), "float"), Column("uptime", _l("Uptime (%)"), "pct"),
        Column("scans", _l("QR scans"), "int"), Column("optins", _l("Opt-ins"), "int")])
    by_region: dict[int, dict] = {}
    for s in screens:
        plays, seconds = per_screen.get(s.id, (0, 0.0))
        on, off = uptime[s.id]
        t.rows.append({"screen": s.name, "region": regions[s.region_id].name, "plays": plays,
                       "hours": round(seconds / 3600, 2), "uptime": _pct(on, on + off),
                       "scans": int(scans_per_screen.get(s.id, 0)), "optins": optins_by_screen.get(s.id, 0)})
        t.drill.append({"plays": {"kind": "plays", "screen": s.id}, "hours": {"kind": "plays", "screen": s.id},
                        "uptime": {"kind": "intervals", "screen": s.id}, "scans": {"kind": "scans", "screen": s.id},
                        "optins": {"kind": "optins", "screen": s.id}})
        child = _child_region(s, scope.region, regions)
        agg = by_region.setdefault(child.id, {"region": child.name, "screens": 0, "plays": 0, "seconds": 0.0,
                                              "on": 0.0, "all": 0.0, "scans": 0})
        agg["screens"] += 0 if s.retired else 1
        agg["plays"] += plays
        agg["seconds"] += seconds
        agg["on"] += on
        agg["all"] += on + off
        agg["scans"] += int(scans_per_screen.get(s.id, 0))
    tables[t.key] = t
    t = Table("regions", _l("Per region"), [
        Column("region", _l("Region")), Column("screens", _l("Screens"), "int"), Column("plays", _l("Plays"), "int"),
        Column("hours", _l("Hours played"), "float"), Column("uptime", _l("Uptime (%)"), "pct"),
        Column("scans", _l("QR scans"), "int")])
    for region_id, agg in sorted(by_region.items(), key=lambda kv: -kv[1]["seconds"]):
        t.rows.append({"region": agg["region"], "screens": agg["screens"], "plays": agg["plays"],
                       "hours": round(agg["seconds"] / 3600, 2), "uptime": _pct(agg["on"], agg["all"]),
                       "scans": agg["scans"]})
        t.drill.append({"plays": {"kind": "plays", "region": region_id},
                        "hours": {"kind": "plays", "region": region_id},
                        "uptime": {"kind": "intervals", "region": region_id},
                        "scans": {"kind": "scans", "region": region_id}})
    tables[t.key] = t

    # ---- offline now
    t = Table("offline_now", _l("Screens offline now"), [
        Column("screen", _l("Screen")), Column("region", _l("Region")),
        Column("since", _l("Offline since"), "datetime")])
    open_rows = {sid: (online, began) for sid, online, began in db.session.execute(
        select(ScreenInterval.screen_id, ScreenInterval.online, ScreenInterval.started_at)
        .where(ScreenInterval.screen_id.in_(ids), ScreenInterval.ended_at.is_(None)))}
    for s in screens:
        if s.retired:
            continue
        state = open_rows.get(s.id)
        if state is None or not state[0]:
            t.rows.append({"screen": s.name, "region": regions[s.region_id].name,
                           "since": state[1].astimezone(tz).replace(tzinfo=None) if state else None})
            t.drill.append({"screen": {"kind": "intervals", "screen": s.id}})
    summary["offline_now"] = len(t.rows)
    tables[t.key] = t

    # ---- screens on a stale manifest (a change that has not reached the glass)
    t = Table("stale_manifest", _l("Screens playing an old programme"), [
        Column("screen", _l("Screen")), Column("region", _l("Region")),
        Column("since", _l("Old programme since"), "datetime")])
    beats = latest([s.id for s in screens if not s.retired])
    now_ms = int(now.timestamp() * 1000)
    for s in screens:
        beat = beats.get(s.id)
        if beat and not s.retired and is_stale(beat, now_ms, s.poll_interval or 30):
            since = datetime.fromtimestamp(beat["stale_since_ms"] / 1000, tz).replace(tzinfo=None)
            t.rows.append({"screen": s.name, "region": regions[s.region_id].name, "since": since})
    summary["stale_manifest_now"] = len(t.rows)
    tables[t.key] = t

    # ---- top items and entries
    t = Table("items", _l("Most played content"), [
        Column("type", _l("Content type")), Column("name", _l("Name")), Column("plays", _l("Plays"), "int"),
        Column("hours", _l("Hours"), "float")])
    items = played(period, lambda m: [m.item_type, m.item_id], on_screens)
    for (item_type, item_id), (plays, seconds, name) in sorted(items.items(), key=lambda kv: -kv[1][1])[:20]:
        t.rows.append({"type": item_type, "name": name or f"{item_type} #{item_id}", "plays": int(plays),
                       "hours": round(float(seconds) / 3600, 2)})
        spec = {"kind": "plays", "item": f"{item_type}:{item_id}"}
        t.drill.append({"plays": spec, "hours": spec})
    tables[t.key] = t
    entry_rows = sorted(((key[0], v[0], v[1]) for key, v in played(period, lambda m: [m.entry_id],
                                                                     on_screens).items()), key=lambda r: -r[2])
    entry_names = dict(db.session.execute(select(ScheduleEntry.id, ScheduleEntry.name).where(
        ScheduleEntry.id.in_([e for e, _, _ in entry_rows]))).all())
    t = Table("entries", _l("Airtime per schedule entry"), [
        Column("entry", _l("Schedule entry")), Column("plays", _l("Plays"), "int"),
        Column("hours", _l("Hours"), "float")])
    for entry_id, plays, seconds in entry_rows:
        label = entry_names.get(entry_id, f"#{entry_id}") if entry_id else str(_l("Default playlist"))
        t.rows.append({"entry": label, "plays": int(plays), "hours": round(float(seconds) / 3600, 2)})
        spec = {"kind": "plays", "entry": entry_id}
        t.drill.append({"plays": spec, "hours": spec})
    tables[t.key] = t

    # ---- scans by slide, hour and weekday
    slide_rows = db.session.execute(select(ScanDay.slide_id, func.sum(ScanDay.scans)).where(*scan_cond)
                                    .group_by(ScanDay.slide_id).order_by(func.sum(ScanDay.scans).desc())).all()
    slide_names = dict(db.session.execute(select(Slide.id, Slide.name).where(
        Slide.id.in_([r[0] for r in slide_rows[:200]]))).all()) if slide_rows else {}
    t = Table("scans_by_slide", _l("QR scans per slide"), [Column("slide", _l("Slide")),
                                                            Column("scans", _l("Scans"), "int")])
    for slide_id, scans in slide_rows:
        t.rows.append({"slide": slide_names.get(slide_id) or f"#{slide_id}", "scans": int(scans)})
        t.drill.append({"scans": {"kind": "scans", "slide": slide_id}})
    tables[t.key] = t
    hours = dict(db.session.execute(select(ScanDay.hour, func.sum(ScanDay.scans)).where(*scan_cond)
                                    .group_by(ScanDay.hour)).all())
    series["scans_hour"] = [(h, int(hours.get(h, 0))) for h in range(24)]
    t = Table("scans_by_hour", _l("QR scans per hour of day"), [Column("hour", _l("Hour")),
                                                                 Column("scans", _l("Scans"), "int")])
    for h, n in series["scans_hour"]:
        t.rows.append({"hour": f"{h:02d}:00", "scans": n})
        t.drill.append({"scans": {"kind": "scans", "hour": h}})
    tables[t.key] = t
    weekdays = [0] * 7
    for day, n in db.session.execute(select(ScanDay.day, func.sum(ScanDay.scans)).where(*scan_cond)
                                     .group_by(ScanDay.day)):
        weekdays[day.weekday()] += int(n)
    series["scans_weekday"] = [(str(WEEKDAYS[i]), weekdays[i]) for i in range(7)]
    t = Table("scans_by_weekday", _l("QR scans per weekday"), [Column("weekday", _l("Weekday")),
                                                                Column("scans", _l("Scans"), "int")])
    for i, (label, n) in enumerate(series["scans_weekday"]):
        t.rows.append({"weekday": label, "scans": n})
        t.drill.append({"scans": {"kind": "scans", "weekday": i}})
    tables[t.key] = t

    # ---- SMS
    _sms(scope, period, summary, tables, series)

    # ---- what went on air outside the programme, and under the one-person exception
    _on_air_control(scope, start, end, summary, tables)

    # ---- targets
    tables["targets"] = targets_table(scope, period, summary)
    return Indicators(scope, period, summary, tables, series, rolled_up_through("plays"),
                      current_app.config.get("SMS_CURRENCY", "USD"))


def uptime_per_screen(ids: list[int], start: datetime, end: datetime, now: datetime) -> dict[int, tuple]:
    """(online seconds, offline seconds) per screen in [start, end), from the online/offline history."""
    intervals = defaultdict(list)
    for sid, online, began, ended in db.session.execute(
            select(ScreenInterval.screen_id, ScreenInterval.online, ScreenInterval.started_at, ScreenInterval.ended_at)
            .where(ScreenInterval.screen_id.in_(ids), ScreenInterval.started_at < end,
                   (ScreenInterval.ended_at.is_(None)) | (ScreenInterval.ended_at > start))):
        intervals[sid].append((online, began, ended))
    return {sid: split_uptime(intervals.get(sid, []), start, end, now) for sid in ids}


def headline(region: Region, period: Period, now: datetime) -> dict[str, float | None]:
    """The four figures of the home dashboard's panel (hours played, uptime, QR scans, SMS sent) — the same
    definitions as `compute`, without its tables."""
    start, end = period.bounds(local_tz())
    ids = [s.id for s in scope_screens(Scope(region))]
    seconds = sum(v[1] for v in played(period, lambda m: [], lambda m: [m.theme_id == 0, m.screen_id.in_(ids)])
                  .values())
    uptime = uptime_per_screen(ids, start, end, now).values()
    scans = db.session.scalar(select(func.sum(ScanDay.scans)).where(
        ScanDay.day >= period.start, ScanDay.day <= period.end, ScanDay.screen_id.in_(ids)))
    sent = db.session.scalar(select(func.sum(SmsDay.sent)).where(
        SmsDay.day >= period.start, SmsDay.day <= period.end,
        SmsDay.campaign_id.in_(select(Campaign.id).where(Campaign.region_id.in_(region_ids(region))))))
    return {"airtime_hours": round(seconds / 3600, 2), "uptime_pct": _pct(sum(on for on, _ in uptime),
                                                                         sum(on + off for on, off in uptime)),
            "scans": int(scans or 0), "sms_sent": int(sent or 0)}


def _date_column(model):
    return model.day if model is PlayDay else model.month


def play_parts(period: Period, *, daily: bool = False) -> list[tuple[type, list]]:
    """(table, conditions) pairs that cover the period's days exactly once: its whole months from `PlayMonth`
    (twelve rows a year per key), the days around them from `PlayDay` (everything from `PlayDay` if `daily`)."""
    first = period.start if period.start.day == 1 else (period.start.replace(day=28) + timedelta(days=4)).replace(day=1)
    after = period.end + timedelta(days=1)
    last = after if after.day == 1 else after.replace(day=1)  # first day after the last whole month
    if daily or first >= last:
        return [(PlayDay, [PlayDay.day >= period.start, PlayDay.day <= period.end])]
    parts: list[tuple[type, list]] = [(PlayMonth, [PlayMonth.month >= first, PlayMonth.month < last])]
    if period.start < first:
        parts.append((PlayDay, [PlayDay.day >= period.start, PlayDay.day < first]))
    if last <= period.end:
        parts.append((PlayDay, [PlayDay.day >= last, PlayDay.day <= period.end]))
    return parts


def played(period: Period, keys, where, *, daily: bool = False) -> dict[tuple, list]:
    """Plays, seconds and a name summed per key over the period: `keys(table)` gives the grouping columns,
    `where(table)` the conditions (a table is PlayDay or PlayMonth, whichever covers which days)."""
    out: dict[tuple, list] = {}
    for model, conds in play_parts(period, daily=daily):
        columns = keys(model)
        query = select(*columns, func.sum(model.plays), func.sum(model.seconds), func.max(model.name)).where(
            *conds, *where(model))
        for row in db.session.execute(query.group_by(*columns) if columns else query):
            key, (plays, seconds, name) = tuple(row[:len(columns)]), row[len(columns):]
            if plays is None:
                continue
            have = out.setdefault(key, [0, 0.0, ""])
            have[0] += int(plays)
            have[1] += float(seconds or 0)
            have[2] = have[2] or name or ""
    return out


def _screen_of(source_ref: str) -> int | None:
    ident = (source_ref or "").removeprefix("screen-")
    return int(ident) if ident.isdigit() else None


def _sms(scope: Scope, period: Period, summary: dict, tables: dict, series: dict) -> None:
    campaigns = scope_campaigns(scope)
    by_id = {c.id: c for c in campaigns}
    rows = db.session.execute(
        select(SmsDay.campaign_id, SmsDay.language, SmsDay.state, SmsDay.skip_reason, func.sum(SmsDay.messages),
               func.sum(SmsDay.sent), func.sum(SmsDay.segments), func.sum(SmsDay.priced),
               func.sum(SmsDay.cost_reported), func.sum(SmsDay.cost_estimated), func.sum(SmsDay.opted_out))
        .where(SmsDay.day >= period.start, SmsDay.day <= period.end, SmsDay.campaign_id.in_(list(by_id)))
        .group_by(SmsDay.campaign_id, SmsDay.language, SmsDay.state, SmsDay.skip_reason)).all()
    snapshots: dict[int, list[CampaignAudience]] = defaultdict(list)
    active = sorted({r[0] for r in rows})
    for snap in db.session.scalars(select(CampaignAudience).where(CampaignAudience.campaign_id.in_(active))
                                   .order_by(CampaignAudience.campaign_id, CampaignAudience.position)):
        snapshots[snap.campaign_id].append(snap)

    def blank():
        return {"messages": 0, "audience": 0, "sent": 0, "delivered": 0, "failed": 0, "unknown": 0, "segments": 0,
                "priced": 0, "cost_reported": 0.0, "cost_estimated": 0.0, "opted_out": 0,
                "removed": defaultdict(int), "skipped": defaultdict(int)}

    per_campaign: dict[int, dict] = defaultdict(blank)
    per_language: dict[str, dict] = defaultdict(blank)
    per_kind: dict[str, dict] = defaultdict(blank)
    for cid, lang, state, reason, n, sent, seg, priced, cost_r, cost_e, opted in rows:
        for agg in (per_campaign[cid], per_language[lang], per_kind[by_id[cid].kind]):
            agg["messages"] += int(n)
            agg["sent"] += int(sent or 0)
            agg["segments"] += int(seg or 0)
            agg["priced"] += int(priced or 0)
            agg["cost_reported"] += float(cost_r or 0)
            agg["cost_estimated"] += float(cost_e or 0)
            agg["opted_out"] += int(opted or 0)
            if state == "delivered":
                agg["delivered"] += int(n)
            elif state in ("failed", "undelivered"):
                agg["failed"] += int(n)
            elif state == "unknown":
                agg["unknown"] += int(n)
            elif state == "skipped":
                agg["skipped"][reason or "other"] += int(n)
    total = blank()
    for cid, agg in per_campaign.items():
        steps = snapshots.get(cid, [])
        keys = [s.step for s in steps]
        first_rule = next((i for i, k in enumerate(keys) if k in REMOVAL_STEPS), None)
        if first_rule:
            agg["audience"] = steps[first_rule - 1].remaining
            for s in steps[first_rule:]:
                if s.step in REMOVAL_STEPS:
                    agg["removed"][s.step] += s.removed
        # a recurring campaign sends more messages than its audience had people once
        agg["audience"] = max(agg["audience"], agg["messages"] + sum(agg["removed"].values()))
        for key in ("messages", "audience", "sent", "delivered", "failed", "unknown", "segments", "priced",
                    "cost_reported", "cost_estimated", "opted_out"):
            total[key] += agg[key]
        for step, n in agg["removed"].items():
            total["removed"][step] += n
        for step, n in agg["skipped"].items():
            total["skipped"][step] += n

    cost = round(total["cost_reported"] + total["cost_estimated"], 4)
    summary.update(sms_sent=total["sent"], sms_delivered=total["delivered"], sms_failed=total["failed"],
                   sms_segments=total["segments"], sms_cost=cost, sms_cost_reported=round(total["cost_reported"], 4),
                   sms_cost_estimated=round(total["cost_estimated"], 4), sms_opted_out=total["opted_out"],
                   sms_audience=total["audience"], sms_delivery_pct=_pct(total["delivered"], total["sent"]),
                   sms_campaigns=len(per_campaign))

    funnel = [("audience", _l("Audience (after the campaign's filters)"), total["audience"], {})]
    for step in REMOVAL_STEPS:
        if total["removed"].get(step):
            funnel.append((f"removed_{step}", _l("Removed before sending: %(rule)s", rule=STEP_LABELS[step]),
                           -total["removed"][step], {}))
    for reason, n in sorted(total["skipped"].items()):
        funnel.append((f"skipped_{reason}", _l("Skipped at sending: %(rule)s", rule=STEP_LABELS.get(reason, reason)),
                       -n, {"kind": "messages", "state": "skipped", "reason": reason}))
    funnel += [("sent", _l("Sent"), total["sent"], {"kind": "messages", "sent": 1}),
               ("delivered", _l("Delivered"), total["delivered"], {"kind": "messages", "state": "delivered"}),
               ("failed", _l("Failed or undelivered"), total["failed"], {"kind": "messages", "state": "failed"}),
               ("opted_out", _l("Opted out within 7 days"), total["opted_out"], {"kind": "messages", "opted_out": 1})]
    series["funnel"] = [(str(label), abs(n)) for _, label, n, _ in funnel]
    t = Table("sms_funnel", _l("SMS funnel"), [Column("step", _l("Step")),
                                               Column("count", _l("Messages or people"), "int")])
    for _, label, n, spec in funnel:
        t.rows.append({"step": label, "count": n})
        t.drill.append({"count": spec} if spec else {})
    tables[t.key] = t

    cols = [Column("name", _l("Campaign")), Column("kind", _l("Kind")), Column("audience", _l("Audience"), "int"),
            Column("removed", _l("Removed by rules"), "int"), Column("sent", _l("Sent"), "int"),
            Column("delivered", _l("Delivered"), "int"), Column("failed", _l("Failed"), "int"),
            Column("opted_out", _l("Opted out ≤ 7 days"), "int"), Column("segments", _l("Segments"), "int"),
            Column("cost", _l("Cost"), "money"), Column("cost_basis", _l("Cost basis"))]
    t = Table("sms_campaigns", _l("SMS campaigns"), cols)
    for cid, agg in sorted(per_campaign.items(), key=lambda kv: -kv[1]["sent"]):
        t.rows.append({"name": by_id[cid].name, "kind": code_label(by_id[cid].kind, "campaign_kind"),
                       "audience": agg["audience"],
                       "removed": sum(agg["removed"].values()) + sum(agg["skipped"].values()), "sent": agg["sent"],
                       "delivered": agg["delivered"], "failed": agg["failed"], "opted_out": agg["opted_out"],
                       "segments": agg["segments"], "cost": round(agg["cost_reported"] + agg["cost_estimated"], 4),
                       "cost_basis": _basis(agg)})
        t.drill.append({k: {"kind": "messages", "campaign": cid, **extra} for k, extra in (
            ("sent", {"sent": 1}), ("delivered", {"state": "delivered"}), ("failed", {"state": "failed"}),
            ("opted_out", {"opted_out": 1}), ("segments", {"sent": 1}), ("cost", {"sent": 1}))})
    tables[t.key] = t
    for key, title, groups, label in (("sms_by_language", _l("SMS per language"), per_language, _l("Language")),
                                      ("sms_by_kind", _l("SMS per kind"), per_kind, _l("Kind"))):
        t = Table(key, title, [Column("group", label), Column("sent", _l("Sent"), "int"),
                               Column("delivered", _l("Delivered"), "int"), Column("segments", _l("Segments"), "int"),
                               Column("cost", _l("Cost"), "money")])
        for group, agg in sorted(groups.items()):
            shown = group if key == "sms_by_language" else code_label(group, "campaign_kind")
            t.rows.append({"group": shown, "sent": agg["sent"], "delivered": agg["delivered"],
                           "segments": agg["segments"], "cost": round(agg["cost_reported"] + agg["cost_estimated"], 4)})
            filt = {"language": group} if key == "sms_by_language" else {"campaign_kind": group}
            t.drill.append({"sent": {"kind": "messages", "sent": 1, **filt},
                            "delivered": {"kind": "messages", "state": "delivered", **filt}})
        tables[key] = t


def _basis(agg: dict) -> str:
    if not agg["sent"]:
        return ""
    if agg["priced"] >= agg["sent"]:
        return str(_l("reported by the gateway"))
    if agg["priced"]:
        return str(_l("%(n)s reported, the rest estimated", n=agg["priced"]))
    return str(_l("estimated"))


def targets_table(scope: Scope, period: Period, summary: dict) -> Table:
    t = Table("targets", _l("Targets"), [
        Column("indicator", _l("Indicator")), Column("target", _l("Target"), "float"),
        Column("actual", _l("Actual"), "float"), Column("met", _l("Met"))])
    query = select(Target).where(Target.region_id == scope.region.id, Target.period_start == period.start,
                                 Target.period_end == period.end)
    query = query.where(Target.theme_id == scope.theme_id) if scope.theme_id else query.where(Target.theme_id.is_(None))
    for target in db.session.scalars(query.order_by(Target.indicator)):
        label, direction = INDICATORS.get(target.indicator, (target.indicator, "min"))
        actual = summary.get(target.indicator)
        met = None if actual is None else (actual >= target.value if direction == "min" else actual <= target.value)
        t.rows.append({"indicator": f"{label} ({'≥' if direction == 'min' else '≤'})", "target": target.value,
                       "actual": actual, "met": "—" if met is None else ("✓" if met else "✗"), "_met": met,
                       "_key": target.indicator})
        t.drill.append({})
    return t


LEVEL_SUMMARY = {Level.EMERGENCY.value: "alerts_emergency", Level.ANNOUNCEMENT.value: "alerts_announcement",
                 Level.CORRECTION.value: "alerts_correction"}


def _on_air_control(scope: Scope, start: datetime, end: datetime, summary: dict, tables: dict) -> None:
    """Emergencies, urgent announcements and corrections that went on air in the period (in the scope's
    regions), and approvals given by their own submitter under a region's one-person exception."""
    tz = local_tz()
    alerts = list(db.session.scalars(
        select(EmergencyAlert).where(EmergencyAlert.region_id.in_(region_ids(scope.region)),
                                     EmergencyAlert.started_at >= start, EmergencyAlert.started_at < end)
        .order_by(EmergencyAlert.started_at)))
    t = Table("on_air_control", _l("Emergencies, announcements and corrections"), [
        Column("level", _l("Level")), Column("message", _l("Message")), Column("region", _l("Region")),
        Column("started", _l("Started"), "datetime"), Column("ended", _l("Ended"), "datetime"),
        Column("reason", _l("Ended by")), Column("source", _l("Source"))])
    for alert in alerts:
        ended = alert.cancelled_at
        t.rows.append({"level": str(LEVEL_LABELS.get(alert.level, alert.level)),
                       "message": alert.message("vi")[:200], "region": alert.region.name,
                       "started": alert.started_at.astimezone(tz).replace(tzinfo=None),
                       "ended": ended.astimezone(tz).replace(tzinfo=None) if ended else None,
                       "reason": str(END_REASON_LABELS.get(alert.ended_reason, alert.ended_reason or "")),
                       "source": "CAP" if alert.source == "cap" else str(_l("operator"))})
    for level, key in LEVEL_SUMMARY.items():
        summary[key] = sum(1 for a in alerts if a.level == level)
    tables[t.key] = t

    t = Table("self_approvals", _l("Approved by their own submitter (one-person exception)"), [
        Column("at", _l("When"), "datetime"), Column("item", _l("Item")), Column("user", _l("Account"))])
    for row in db.session.scalars(
            select(AuditLog).where(AuditLog.action == "self_approved", AuditLog.at >= start, AuditLog.at < end,
                                   AuditLog.region_path.startswith(scope.region.path)).order_by(AuditLog.at)):
        t.rows.append({"at": row.at.astimezone(tz).replace(tzinfo=None), "item": f"{row.entity} #{row.entity_id}",
                       "user": row.username})
    summary["self_approvals"] = len(t.rows)
    tables[t.key] = t

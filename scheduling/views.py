"""Operator UI: playlists, schedule entries, region defaults, the calendars (week and day, per screen, group or
region), and the schedule panel of the screen's page (its default playlist and the next days' calendar; the
page is the core's `screens.show`, which cannot import us: the panel reaches it through
`signage.registry.add_panel(app, "screen", ...)`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from lunar_vn import solar_to_lunar
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from scheduling import content_port, screen_calendar, service, shapes
from scheduling.forms import DefaultPlaylistForm, EntryForm, PlaylistForm, PlaylistItemForm
from scheduling.models import (
    ALL_DAYS,
    Fit,
    ItemType,
    Playlist,
    PlaylistItem,
    RegionDefault,
    ScheduleEntry,
    ScreenDefault,
    TargetType,
)
from scheduling.targeting import default_source, entry_screen_ids, playlist_screen_ids, playlists_containing
from signage.extensions import db
from signage.forms import select_choices
from signage.models import Region, Screen, ScreenGroup
from signage.registry import add_nav, add_panel
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.screens_service import active_screens, resolve_group
from signage.theme_forms import fill_theme_choices
from signage.themes import set_themes, themes_of
from signage.timeutil import local_tz, localnow

bp = Blueprint("scheduling", __name__, url_prefix="/schedule", template_folder="templates", static_folder="static")

CALENDAR_DAYS = 3


def _region_choices() -> list[SelectChoice]:
    return select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())


def _scoped_playlists() -> list[Playlist]:
    return list(db.session.scalars(scoped_select(Playlist).order_by(Playlist.name)))


def _to_utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=local_tz()).astimezone(UTC) if value else None


def _to_local_naive(value: datetime | None) -> datetime | None:
    return value.astimezone(local_tz()).replace(tzinfo=None) if value else None


# ---------------------------------------------------------------- playlists


@bp.route("/playlists")
@login_required
def playlists():
    rows = _scoped_playlists()
    counts = dict(db.session.execute(
        select(PlaylistItem.playlist_id, func.count()).where(PlaylistItem.playlist_id.in_([p.id for p in rows]))
        .group_by(PlaylistItem.playlist_id)
    ).all())
    return render_template("scheduling/playlists.html", playlists=rows, counts=counts)


@bp.route("/playlists/new", methods=["GET", "POST"])
@login_required
def playlist_new():
    form = PlaylistForm()
    form.region_id.choices = _region_choices()
    fill_theme_choices(form.themes, current_user.region)
    if form.validate_on_submit():
        clash = db.session.scalar(select(Playlist.id).where(Playlist.region_id == form.region_id.data,
                                                           Playlist.name == form.name.data.strip()))
        if clash is None:
            playlist = Playlist(name=form.name.data.strip(), description=form.description.data or "",
                                region_id=require_region_in_scope(form.region_id.data).id)
            service.save_playlist(playlist)
            set_themes("playlist", playlist.id, form.themes.data or [])
            db.session.commit()
            flash(_("Playlist created. Now add items."), "success")
            return redirect(url_for(".playlist_edit", playlist_id=playlist.id))
        form.name.errors.append(_("A playlist with this name already exists in this region."))
    status_code = 400 if request.method == "POST" else 200
    return render_template("scheduling/playlist_new.html", form=form), status_code


def _item_choices(playlist: Playlist) -> list[SelectChoice]:
    api = content_port.content_api()
    kinds = {"slide": _("Slide"), "media": _("Media"), "ticker": _("Ticker")}
    choices = [(f"{i['type']}:{i['id']}", f"{kinds.get(i['type'], i['type'])}: {i['name']}")
               for i in api.schedulable_items(playlist.region_id)]
    nesting = playlists_containing({playlist.id})  # these would make a cycle
    choices += [(f"playlist:{p.id}", _("Playlist: %(name)s", name=p.name))
                for p in _scoped_playlists() if p.id not in nesting]
    return select_choices(choices)


def item_name(item: PlaylistItem) -> str:
    if item.item_type == ItemType.PLAYLIST.value:
        nested = db.session.get(Playlist, item.item_id)
        return _("Playlist: %(name)s", name=nested.name if nested else "?")
    return content_port.content_api().item_label(item.item_type, item.item_id)


@bp.route("/playlists/<int:playlist_id>", methods=["GET", "POST"])
@login_required
def playlist_edit(playlist_id: int):
    playlist = get_scoped_or_404(Playlist, playlist_id)
    meta = PlaylistForm(obj=playlist, prefix="meta")
    meta.region_id.choices = _region_choices()
    if request.method == "GET":
        meta.themes.data = themes_of("playlist", [playlist.id]).get(playlist.id, [])
    fill_theme_choices(meta.themes, current_user.region, "playlist", playlist.id)
    add = PlaylistItemForm(prefix="add")
    add.item.choices = _item_choices(playlist)
    if request.method == "POST" and request.form.get("action") == "meta" and meta.validate_on_submit():
        before = playlist_screen_ids({playlist.id})
        playlist.name = meta.name.data.strip()
        playlist.description = meta.description.data or ""
        playlist.region_id = require_region_in_scope(meta.region_id.data).id
        set_themes("playlist", playlist.id, meta.themes.data or [])
        db.session.commit()
        service.playlist_changed(playlist, before)
        flash(_("Playlist saved."), "success")
        return redirect(url_for(".playlist_edit", playlist_id=playlist.id))
    if request.method == "POST" and request.form.get("action") == "add" and add.validate_on_submit():
        item_type, item_id = add.item.data.split(":")
        if item_type != ItemType.PLAYLIST.value and not content_port.content_api().is_schedulable(item_type,
                                                                                                  int(item_id)):
            abort(400)  # only approved content is schedulable
        service.add_item(
            playlist, item_type=item_type, item_id=int(item_id), duration_s=add.duration_s.data,
            valid_from=_to_utc(add.valid_from.data), valid_until=_to_utc(add.valid_until.data),
            fit=add.fit.data or None,
        )
        service.playlist_changed(playlist)
        flash(_("Item added."), "success")
        _flash_shapes({playlist.id}, playlist_screen_ids({playlist.id}))
        return redirect(url_for(".playlist_edit", playlist_id=playlist.id))
    rows = [(item, item_name(item)) for item in playlist.items]
    return render_template("scheduling/playlist_edit.html", playlist=playlist, meta=meta, add=add, rows=rows,
                           in_use=service.playlist_in_use(playlist.id), local=_to_local_naive), (
        400 if request.method == "POST" else 200)


@bp.route("/playlists/<int:playlist_id>/items/<int:item_id>", methods=["POST"])
@login_required
def playlist_item_action(playlist_id: int, item_id: int):
    playlist = get_scoped_or_404(Playlist, playlist_id)
    item = next((i for i in playlist.items if i.id == item_id), None)
    if item is None:
        abort(404)
    action = request.form.get("action")
    items = list(playlist.items)
    index = items.index(item)
    if action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(items):
            items[index], items[other] = items[other], items[index]
    elif action == "remove":
        playlist.items.remove(item)
        items.remove(item)
    elif action == "duration":
        raw = request.form.get("duration_s", "").strip()
        try:
            item.duration_s = float(raw) if raw else None
        except ValueError:
            abort(400)
        if item.duration_s is not None and not 1 <= item.duration_s <= 3600:
            abort(400)
    elif action == "fit":
        item.fit = request.form.get("fit") or None
        if item.fit is not None and item.fit not in {f.value for f in Fit}:
            abort(400)
    else:
        abort(400)
    for pos, i in enumerate(items):
        i.position = pos
    db.session.commit()
    service.playlist_changed(playlist)
    if action == "fit":
        _flash_shapes({playlist.id}, playlist_screen_ids({playlist.id}))
    return redirect(url_for(".playlist_edit", playlist_id=playlist.id))


@bp.route("/playlists/<int:playlist_id>/delete", methods=["POST"])
@login_required
def playlist_delete(playlist_id: int):
    playlist = get_scoped_or_404(Playlist, playlist_id)
    if service.playlist_in_use(playlist.id):
        flash(_("This playlist is still used by a schedule, a screen or another playlist."), "error")
        return redirect(url_for(".playlist_edit", playlist_id=playlist.id))
    service.delete_playlist(playlist)
    flash(_("Playlist deleted."), "success")
    return redirect(url_for(".playlists"))


# ---------------------------------------------------------------- schedule entries


@bp.route("/")
@login_required
def entries():
    rows = list(db.session.scalars(scoped_select(ScheduleEntry).order_by(ScheduleEntry.priority.desc(),
                                                                        ScheduleEntry.start_date)))
    return render_template("scheduling/entries.html", entries=rows, today=localnow().date(),
                           target_label=target_label)


def recurrence_label(entry: ScheduleEntry) -> str:
    """'' for daily entries; lunar recurrences name the lunar date they follow (âm lịch)."""
    if entry.recurrence in ("lunar_monthly", "lunar_yearly"):
        lunar = solar_to_lunar(entry.start_date)
        if entry.recurrence == "lunar_monthly":
            return _("lunar day %(d)d of every lunar month", d=lunar.day)
        return _("every year on %(d)d/%(m)d of the lunar calendar", d=lunar.day, m=lunar.month)
    return {"monthly": _("monthly"), "yearly": _("yearly")}.get(entry.recurrence, "")


def target_label(target_type: str, target_id: int) -> str:
    model = {"screen": Screen, "group": ScreenGroup, "region": Region}[target_type]
    obj = db.session.get(model, target_id)
    kind = {"screen": _("Screen"), "group": _("Group"), "region": _("Region")}[target_type]
    return f"{kind}: {obj.name if obj else '?'}"


def _entry_form(entry: ScheduleEntry | None) -> EntryForm:
    form = EntryForm(obj=entry)
    if entry is not None and request.method == "GET":
        form.days.data = [d for d in range(7) if entry.days_of_week >> d & 1]
        form.screens.data = [t.target_id for t in entry.targets if t.target_type == TargetType.SCREEN.value]
        form.groups.data = [t.target_id for t in entry.targets if t.target_type == TargetType.GROUP.value]
        form.regions.data = [t.target_id for t in entry.targets if t.target_type == TargetType.REGION.value]
        form.themes.data = themes_of("entry", [entry.id]).get(entry.id, [])
    elif entry is None and request.method == "GET":
        form.days.data = list(range(7))
        form.start_date.data = localnow().date()
    form.region_id.choices = _region_choices()
    form.regions.choices = _region_choices()
    fill_theme_choices(form.themes, current_user.region, "entry", entry.id if entry else None)
    form.playlist_id.choices = select_choices((p.id, p.name) for p in _scoped_playlists())
    form.screens.choices = select_choices((s.id, f"{s.name} ({s.region.name})") for s in db.session.scalars(
        scoped_select(Screen).where(Screen.retired_at.is_(None)).order_by(Screen.name)))
    form.groups.choices = select_choices((g.id, g.name) for g in db.session.scalars(
        scoped_select(ScreenGroup).order_by(ScreenGroup.name)))
    return form


def _flash_shapes(playlist_ids: set[int], screen_ids: set[int]) -> None:
    """Tell the operator which videos screens of another shape will crop or show whole (scheduling.shapes)."""
    for warning in shapes.warnings(playlist_ids, screen_ids):
        flash(warning, "warning")


def _save_entry(entry: ScheduleEntry, form: EntryForm):
    targets = (
        [("screen", get_scoped_or_404(Screen, i).id) for i in form.screens.data or []]
        + [("group", get_scoped_or_404(ScreenGroup, i).id) for i in form.groups.data or []]
        + [("region", require_region_in_scope(i).id) for i in form.regions.data or []]
    )
    if not targets:
        form.screens.errors.append(_("Choose at least one screen, group or region."))
        return render_template("scheduling/entry_form.html", form=form, entry=entry), 400
    entry.name = form.name.data.strip()
    entry.region_id = require_region_in_scope(form.region_id.data).id
    entry.playlist_id = get_scoped_or_404(Playlist, form.playlist_id.data).id
    entry.start_date, entry.end_date = form.start_date.data, form.end_date.data
    entry.days_of_week = sum(1 << d for d in form.days.data) or ALL_DAYS
    entry.daypart_start = form.daypart_start.data or None
    entry.daypart_end = form.daypart_end.data or None
    entry.recurrence = form.recurrence.data
    entry.priority = form.priority.data
    entry.max_plays_per_hour = form.max_plays_per_hour.data
    entry.enabled = form.enabled.data
    bumped = service.save_entry(entry, targets)
    set_themes("entry", entry.id, form.themes.data or [])
    db.session.commit()
    flash(_("Schedule saved; %(n)d screen(s) will pick it up on their next poll.", n=len(bumped)), "success")
    _flash_shapes({entry.playlist_id}, entry_screen_ids(entry))
    return redirect(url_for(".entries"))


@bp.route("/entries/new", methods=["GET", "POST"])
@login_required
def entry_new():
    form = _entry_form(None)
    if form.validate_on_submit():
        return _save_entry(ScheduleEntry(), form)
    code = 400 if request.method == "POST" else 200
    return render_template("scheduling/entry_form.html", form=form, entry=None), code


@bp.route("/entries/<int:entry_id>", methods=["GET", "POST"])
@login_required
def entry_edit(entry_id: int):
    entry = get_scoped_or_404(ScheduleEntry, entry_id)
    form = _entry_form(entry)
    if form.validate_on_submit():
        return _save_entry(entry, form)
    code = 400 if request.method == "POST" else 200
    return render_template("scheduling/entry_form.html", form=form, entry=entry), code


@bp.route("/entries/<int:entry_id>/delete", methods=["POST"])
@login_required
def entry_delete(entry_id: int):
    entry = get_scoped_or_404(ScheduleEntry, entry_id)
    service.delete_entry(entry)
    flash(_("Schedule entry deleted."), "success")
    return redirect(url_for(".entries"))


# ---------------------------------------------------------------- the screen page's schedule panel


def _screen_default_form(screen: Screen) -> DefaultPlaylistForm:
    default = db.session.get(ScreenDefault, screen.id)
    form = DefaultPlaylistForm(prefix="default", playlist_id=default.playlist_id if default else 0)
    form.playlist_id.choices = select_choices([(0, _("(none of its own — the region's default, if any)"))] + [
        (p.id, p.name) for p in _scoped_playlists()])
    return form


@bp.route("/screens/<int:screen_id>", methods=["GET", "POST"])
@login_required
def screen(screen_id: int):
    """Sets the screen's default playlist; the screen's page itself is the core's (screens.show)."""
    screen = get_scoped_or_404(Screen, screen_id)
    if request.method == "POST":
        form = _screen_default_form(screen)
        if not form.validate_on_submit():
            flash(_("Choose a playlist from the list."), "error")
            return redirect(url_for("screens.show", screen_id=screen.id)), 303
        if form.playlist_id.data:
            get_scoped_or_404(Playlist, form.playlist_id.data)
        service.set_default(screen, form.playlist_id.data or None)
        flash(_("Default playlist saved."), "success")
        _flash_shapes({form.playlist_id.data} if form.playlist_id.data else set(), {screen.id})
    return redirect(url_for("screens.show", screen_id=screen.id) + ("#schedule" if request.method == "POST" else ""))


def screen_panel(screen: Screen) -> Markup:
    """The screen page's schedule card: its default playlist (own or inherited) and the next days' calendar."""
    days = screen_calendar.calendar(screen, localnow().replace(hour=0, minute=0, second=0, microsecond=0),
                                    CALENDAR_DAYS)
    inherited_from = default_source(screen)
    inherited = db.session.get(RegionDefault, inherited_from.id) if inherited_from else None
    return Markup(render_template("scheduling/_screen_panel.html", screen=screen, form=_screen_default_form(screen),
                                  inherited_from=inherited_from, inherited=inherited, days=days))


# ---------------------------------------------------------------- calendars: week and day, per screen, group or region

CALENDAR_PALETTE = ("#0b6bcb", "#2e7d32", "#8e24aa", "#bf360c", "#00695c", "#6d4c41", "#ad1457", "#3949ab")


def _calendar_screens(target: str, target_id: int) -> tuple[str, list[Screen]]:
    """The target's name and the active screens it covers, inside the user's scope (404 outside)."""
    if target == "screen":
        screen = get_scoped_or_404(Screen, target_id)
        return screen.name, [screen]
    if target == "group":
        group = get_scoped_or_404(ScreenGroup, target_id)
        return group.name, resolve_group(group)
    if target == "region":
        region = require_region_in_scope(target_id)
        return region.name, active_screens(region)
    abort(404)


@bp.route("/calendar")
@login_required
def calendar():
    """What plays when, drawn server-side: a week (from Monday) or a day, for a screen, a group or a region
    (their screens that play alike share one calendar)."""
    view = "day" if request.args.get("view") == "day" else "week"
    try:
        day = datetime.strptime(request.args.get("date", ""), "%Y-%m-%d").date()
    except ValueError:
        day = localnow().date()
    first = day - timedelta(days=day.weekday()) if view == "week" else day
    span = 7 if view == "week" else 1
    target, _sep, raw_id = request.args.get("target", "").partition(":")
    name, plans = None, []
    if target:
        if not raw_id.isdigit():
            abort(404)
        name, screens = _calendar_screens(target, int(raw_id))
        start = datetime.combine(first, datetime.min.time(), tzinfo=local_tz())
        plans = screen_calendar.shared_calendars(screens, start, span)
    step = timedelta(days=span)
    return render_template(
        "scheduling/calendar.html", view=view, day=day, first=first, span=span, target=request.args.get("target", ""),
        name=name, plans=plans, previous=first - step, following=first + step, palette=CALENDAR_PALETTE,
        screens=list(db.session.scalars(scoped_select(Screen).where(Screen.retired_at.is_(None))
                                        .order_by(Screen.name))),
        groups=list(db.session.scalars(scoped_select(ScreenGroup).order_by(ScreenGroup.name))),
        regions=scoped_regions(), today=localnow().date(),
    )


# ---------------------------------------------------------------- region defaults


def _region_default_form(region: Region, playlists: list[Playlist], current: int | None) -> DefaultPlaylistForm:
    form = DefaultPlaylistForm(prefix=f"region-{region.id}", playlist_id=current or 0)
    form.playlist_id.choices = select_choices(
        [(0, _("(none — inherits from the region above)"))] + [(p.id, p.name) for p in playlists])
    return form


@bp.route("/defaults")
@login_required
def region_defaults():
    """Each region's default playlist: what every screen below it without one of its own plays in gaps."""
    regions = scoped_regions()
    chains = {r.id: [int(p) for p in reversed(r.path.strip("/").split("/")) if p] for r in regions}
    defaults = {d.region_id: d for d in db.session.scalars(  # ancestors too: what the top region inherits
        select(RegionDefault).where(RegionDefault.region_id.in_({i for c in chains.values() for i in c})))}
    playlists = _scoped_playlists()
    rows = []
    for region in regions:
        own = defaults.get(region.id)
        inherited = next((defaults[i] for i in chains[region.id][1:] if i in defaults), None)
        rows.append({"region": region, "own": own, "inherited": inherited,
                     "form": _region_default_form(region, playlists, own.playlist_id if own else None)})
    return render_template("scheduling/region_defaults.html", rows=rows)


@bp.route("/defaults/<int:region_id>", methods=["POST"])
@login_required
def region_default(region_id: int):
    region = require_region_in_scope(region_id)
    form = _region_default_form(region, _scoped_playlists(), None)
    if not form.validate_on_submit():
        flash(_("Choose a playlist from the list."), "error")
        return redirect(url_for(".region_defaults")), 303
    if form.playlist_id.data:
        get_scoped_or_404(Playlist, form.playlist_id.data)
    service.set_region_default(region, form.playlist_id.data or None)
    flash(_("Default playlist of %(region)s saved.", region=region.name), "success")
    return redirect(url_for(".region_defaults") + f"#region-{region.id}"), 303


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["recurrence_label"] = recurrence_label
    add_nav(app, "scheduling.entries", _l("Schedule"), group="screens", order=30)
    add_nav(app, "scheduling.playlists", _l("Playlists"), group="screens", order=31)
    add_nav(app, "scheduling.calendar", _l("Calendar"), group="screens", order=32)
    add_panel(app, "screen", screen_panel, order=20)

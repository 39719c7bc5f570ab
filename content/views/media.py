"""The media library: upload (drag-and-drop, bulk, progress), browse and search, tags, where used, delete,
and approval: an upload is a draft, and only its approved file reaches screens (four eyes, like slides)."""

from __future__ import annotations

from flask import Blueprint, flash, get_template_attribute, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from content import media_service, workflow
from content.intake import UploadRejected
from content.models import Media
from signage import text
from signage.approval_views import Review, add_review_routes
from signage.extensions import db
from signage.models import Region, User
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select

bp = Blueprint("content_media", __name__, url_prefix="/content/media", template_folder="../templates",
               static_folder="../static")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.headers.get("X-Requested-With") == "fetch"


@bp.route("/")
@login_required
def index():
    words, tag, kind = (request.args.get(k, "").strip() for k in ("q", "tag", "kind"))
    query = scoped_select(Media).options(joinedload(Media.region)).order_by(Media.created_at.desc(), Media.id.desc())
    if kind in ("image", "video"):
        query = query.where(Media.kind == kind)
    items = [m for m in db.session.scalars(query) if media_service.matches(m, words, tag)]
    thumbs = {m.id: media_service.thumbnail_url(m) for m in items}
    return render_template("content/media_index.html", items=items, thumbs=thumbs, q=words, tag=tag, kind=kind,
                           regions=scoped_regions())


@bp.route("/upload", methods=["POST"])
@login_required
def upload():
    """One or many files (field `files`). JSON answer for the XHR uploader, flashes for a plain form."""
    region = require_region_in_scope(request.form.get("region_id", type=int) or current_user.region_id)
    tags = media_service.split_tags(request.form.get("tags", ""))
    files = [f for f in request.files.getlist("files") if f and f.filename]
    results = []
    for upload_file in files:
        try:
            media, created = media_service.add_upload(upload_file.stream, upload_file.filename, region.id,
                                                      current_user.id, tags)
        except UploadRejected as exc:
            results.append({"name": upload_file.filename, "ok": False, "message": str(exc)})
            continue
        results.append({"name": upload_file.filename, "ok": True, "id": media.id, "created": created,
                        "url": url_for("content_media.show", media_id=media.id),
                        "message": _("Uploaded as a draft: submit it for approval to put it on air.")
                        if created else _("Already in the library.")})
    if not files:
        results.append({"name": "", "ok": False, "message": _("Choose at least one file.")})
    status = 200 if any(r["ok"] for r in results) else 400
    if _wants_json():
        return jsonify(results=results), status
    for r in results:
        flash(f"{r['name']}: {r['message']}", "success" if r["ok"] else "error")
    return redirect(url_for("content_media.index")), 303


@bp.route("/<int:media_id>")
@login_required
def show(media_id: int):
    media = get_scoped_or_404(Media, media_id)
    return render_template("content/media_show.html", media=media, thumb=media_service.thumbnail_url(media),
                           regions=scoped_regions(),
                           slides=media_service.slides_using(media.id),
                           scheduled=media_service.scheduled("media", media.id),
                           review={"changes": workflow.changes(media.on_air, workflow.snapshot(media))})


@bp.route("/<int:media_id>/edit", methods=["POST"])
@login_required
def edit(media_id: int):
    media = get_scoped_or_404(Media, media_id)
    name = text.clean_line(request.form.get("name", ""), max_length=300)
    if name:
        media.name = name
    media.tags = media_service.split_tags(request.form.get("tags", ""))
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("content_media.show", media_id=media.id))


@bp.route("/<int:media_id>/replace", methods=["POST"])
@login_required
def replace(media_id: int):
    media = get_scoped_or_404(Media, media_id)
    upload_file = request.files.get("file")
    if not upload_file or not upload_file.filename:
        flash(_("Choose at least one file."), "error")
        return redirect(url_for("content_media.show", media_id=media_id)), 303
    before = media.sha256
    try:
        slides = media_service.replace_file(media, upload_file.stream)
    except UploadRejected as exc:
        flash(str(exc), "error")
        return redirect(url_for("content_media.show", media_id=media_id)), 303
    if media.sha256 == before:
        flash(_("This is already the item's file: nothing changed."), "success")
    elif media.on_air:
        flash(_("File replaced. It needs approval; screens keep the approved file until then."), "success")
    else:
        flash(_("File replaced."), "success")
    if slides:
        flash(_("Slides showing it need approval again: %(names)s.", names=", ".join(s.name for s in slides)),
              "success")
    return redirect(url_for("content_media.show", media_id=media_id)), 303


add_review_routes(bp, Review(
    Media, "media_id", page="content_media.show", index="content_media.index", submit=workflow.submit,
    approve=workflow.approve, reject=workflow.reject, delete=media_service.delete_media,
    delete_refused=(media_service.MediaInUse,),
))


@bp.route("/tiles.json")
@login_required
def tiles():
    """The library's tiles of these items (`ids=1,2,3`, at most 100), for the page to add what it uploaded and
    to swap in thumbnails when they are ready, without a reload: [{id, thumb, html}]."""
    ids = [int(i) for i in request.args.get("ids", "").split(",") if i.strip().isdigit()][:100]
    items = db.session.scalars(scoped_select(Media).options(joinedload(Media.region)).where(Media.id.in_(ids))
                               .order_by(Media.created_at.desc(), Media.id.desc())) if ids else []
    macro = get_template_attribute("content/_media_tile.html", "tile")
    out = []
    for m in items:
        thumb = media_service.thumbnail_url(m)
        out.append({"id": m.id, "thumb": thumb, "html": str(macro(m, thumb))})
    return jsonify(tiles=out)


@bp.route("/choices.json")
@login_required
def choices():
    """Images for the slide composer's picker."""
    query = scoped_select(Media).where(Media.kind == "image").order_by(Region.path, Media.name)
    lent = _lent_from_above().where(Media.kind == "image").order_by(Media.name)
    return jsonify([{"id": m.id, "name": m.name, "url": m.url} for m in db.session.scalars(query)]
                   + [{"id": m.id, "name": f"{m.name} ({m.region.name})", "url": m.url}
                      for m in db.session.scalars(lent)])


def _lent_from_above():
    """The approved media of the regions above the user's: a district may use them, not change them."""
    return (select(Media).options(joinedload(Media.region))
            .where(Media.region_id.in_([r.id for r in current_user.region.ancestors()]),
                   Media.on_air_version.is_not(None)))


def image_choices() -> list[tuple[int, str]]:
    """The slide composer's images: the user's region subtree's, then those lent from the regions above."""
    own = db.session.scalars(scoped_select(Media).where(Media.kind == "image").order_by(Media.name))
    lent = db.session.scalars(_lent_from_above().where(Media.kind == "image").order_by(Media.name))
    return [(m.id, m.name) for m in own] + [(m.id, f"{m.name} ({m.region.name})") for m in lent]


def get_usable_or_404(media_id: int) -> Media:
    """A media item the user may put on a slide: one of their subtree, or one lent from above (approved)."""
    media = db.session.scalar(_lent_from_above().where(Media.id == media_id))
    return media if media is not None else get_scoped_or_404(Media, media_id)


@bp.route("/<int:media_id>/move", methods=["POST"])
@login_required
def move(media_id: int):
    """Move an item to another region of the user's subtree (audited like every change of a Media row).
    Refused while a slide outside the new region's subtree shows it: that slide could no longer use it."""
    media = get_scoped_or_404(Media, media_id)
    region = require_region_in_scope(request.form.get("region_id", type=int))
    outside = [s for s in media_service.slides_using(media.id)
               if not region.contains(db.session.get(Region, s.region_id))]
    if outside:
        flash(_("Slides outside %(region)s show it: %(names)s. Move or change them first.", region=region.name,
                names=", ".join(s.name for s in outside[:5])), "error")
        return redirect(url_for("content_media.show", media_id=media.id)), 303
    if region.id != media.region_id:
        media.region_id = region.id
        db.session.commit()
        flash(_("Moved to %(region)s.", region=region.name), "success")
    return redirect(url_for("content_media.show", media_id=media.id)), 303


def queue_items() -> list[dict]:
    """Approvers' queue provider: submitted media in the approver's region."""
    query = scoped_select(Media).where(Media.approval_state == "submitted")
    items = db.session.scalars(query).all()
    users = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({m.submitted_by_id for m in items if m.submitted_by_id})))}
    return [{"kind": _("Photo or video"), "title": m.name, "submitted_at": m.submitted_at,
             "submitted_by": _name(users.get(m.submitted_by_id)),
             "url": url_for("content_media.show", media_id=m.id)} for m in items]


def _name(user: User | None) -> str | None:
    return (user.display_name or user.username) if user else None



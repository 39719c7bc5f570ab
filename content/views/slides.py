"""The slide composer: list, compose/edit with a live preview per size and language, approval, QR report."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from content import renderer, rendering, storage, workflow
from content.api import notify_changed
from content.forms import TEMPLATE_LABELS, SlideForm, slide_form
from content.media_service import scheduled
from content.models import QrScan, Slide
from content.qrlinks import tracked_url
from content.views.media import get_usable_or_404, image_choices
from signage.approval_views import Review, add_review_routes
from signage.extensions import db, limiter
from signage.forms import select_choices
from signage.languages import native_names
from signage.models import Region, Screen
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.theme_forms import fill_theme_choices
from signage.themes import set_themes, themes_of

bp = Blueprint("content_slides", __name__, url_prefix="/content/slides", template_folder="../templates",
               static_folder="../static")

#: Sizes offered in the preview besides those of the screens in the user's scope.
PREVIEW_SIZES = [(1920, 1080), (1080, 1920), (1280, 720), (384, 64)]


def preview_sizes() -> list[tuple[int, int]]:
    rows = db.session.execute(
        scoped_select(Screen).with_only_columns(Screen.width, Screen.height).where(Screen.retired_at.is_(None))
    )
    sizes = list(PREVIEW_SIZES)
    for size in sorted({tuple(r) for r in rows}):
        if size not in sizes:
            sizes.append(size)
    return sizes


def _form(slide: Slide | None) -> SlideForm:
    form = slide_form(obj=slide)
    form.region_id.choices = select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())
    form.media_id.choices = select_choices([(0, _("(no image)")), *image_choices()])
    fill_theme_choices(form.themes, current_user.region, "slide", slide.id if slide else None)
    if request.method == "GET":
        if slide is not None:
            form.load_texts(slide.texts or {})
            form.media_id.data = slide.media_id or 0
            form.themes.data = themes_of("slide", [slide.id]).get(slide.id, [])
        else:
            form.region_id.data = current_user.region_id
    return form


def _fill(slide: Slide, form: SlideForm) -> bool:
    """Copy the form into the working copy; True when anything changed."""
    media_id = form.media_id.data or None
    if media_id:
        get_usable_or_404(media_id)
    new = {"name": form.name.data, "region_id": require_region_in_scope(form.region_id.data).id,
           "template": form.template.data, "texts": form.texts(), "media_id": media_id,
           "qr_url": form.qr_url.data or "", "duration_s": form.duration_s.data,
           "theme_mark": bool(form.theme_mark.data)}
    changed = any(getattr(slide, k) != v for k, v in new.items())
    for key, value in new.items():
        setattr(slide, key, value)
    return changed


@bp.route("/")
@login_required
def index():
    query = scoped_select(Slide).options(joinedload(Slide.region)).order_by(Slide.updated_at.desc())
    state = request.args.get("state", "")
    if state:
        query = query.where(Slide.approval_state == state)
    return render_template("content/slides_index.html", slides=db.session.scalars(query).all(),
                           templates=TEMPLATE_LABELS, state=state)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _form(None)
    if form.validate_on_submit():
        slide = Slide(created_by_id=current_user.id)
        _fill(slide, form)
        db.session.add(slide)
        db.session.flush()
        set_themes("slide", slide.id, form.themes.data or [])
        db.session.commit()
        flash(_("Slide saved as a draft."), "success")
        return redirect(url_for("content_slides.edit", slide_id=slide.id))
    status = 400 if request.method == "POST" else 200
    return _page(form, None), status


@bp.route("/<int:slide_id>", methods=["GET", "POST"])
@login_required
def edit(slide_id: int):
    slide = get_scoped_or_404(Slide, slide_id)
    form = _form(slide)
    if form.validate_on_submit():
        if _fill(slide, form):
            workflow.edited(slide)
            flash(_("Saved. The slide needs approval again; the approved version stays on air until then.")
                  if slide.on_air else _("Saved."), "success")
        set_themes("slide", slide.id, form.themes.data or [])
        db.session.commit()
        return redirect(url_for("content_slides.edit", slide_id=slide.id))
    status = 400 if request.method == "POST" else 200
    return _page(form, slide), status


def _page(form: SlideForm, slide: Slide | None):
    return render_template("content/slide_form.html", form=form, slide=slide, sizes=preview_sizes(),
                           language_names=native_names(), content_languages=form.language_codes,
                           review=_review(slide) if slide else None)


def _review(slide: Slide) -> dict:
    """What the approver approves: the exact version (each size of the screens that may show it, each
    language it has text for) and what changed since the version on air."""
    candidate = workflow.snapshot(slide)
    screens = db.session.execute(
        select(Screen.width, Screen.height).join(Region, Region.id == Screen.region_id)
        .where(Region.path.startswith(slide.region.path), Screen.retired_at.is_(None)).distinct()
    )
    sizes = sorted({(w, h) for w, h in screens}, key=lambda s: (-s[0] * s[1], s)) or PREVIEW_SIZES[:2]
    return {"sizes": sizes, "languages": rendering.slide_languages(candidate),
            "changes": workflow.changes(slide.on_air, candidate)}


@bp.get("/<int:slide_id>/proof/<int:width>x<int:height>/<lang>.jpg")
@login_required
@limiter.limit("240 per minute")
def proof(slide_id: int, width: int, height: int, lang: str):
    """The working version exactly as approving it would put it on a screen of this size (the renderer and
    the pinned image of `workflow.snapshot`; the QR code is the slide's tracked link)."""
    slide = get_scoped_or_404(Slide, slide_id)
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        abort(404)
    spec = rendering.slide_spec(slide.id, workflow.snapshot(slide), width, height, lang, None)
    image_path = storage.path_for(spec["image"]["sha256"], spec["image"]["ext"]) if spec["image"] else None
    result = renderer.render(spec, image_path)
    response = send_file(io.BytesIO(renderer.to_jpeg(result.image, quality=80)), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/preview", methods=["POST"])
@login_required
@limiter.limit("120 per minute")
def preview():
    """Render the unsaved form at one size and language (in the request: preview only)."""
    form = _form(None)
    form.validate()  # fills .data (filters) even if incomplete: a half-written slide still previews
    try:
        width, height = (int(v) for v in request.form.get("preview_size", "1920x1080").split("x"))
    except ValueError:
        abort(400)
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        abort(400)
    lang = request.form.get("preview_lang", "vi")
    lang = lang if lang in form.language_codes else "vi"
    texts = form.texts()
    image_path, image = None, None
    if form.media_id.data:
        media = get_usable_or_404(form.media_id.data)
        if media.kind == "image":
            image_path = storage.path_for(media.sha256, media.ext)
            image = {"sha256": media.sha256, "ext": media.ext}
    slide_id = request.form.get("slide_id", type=int) or 0
    spec = {"template": form.template.data or "title_body", "width": width, "height": height, "lang": lang,
            "title": rendering.pick_lang(texts.get("title"), lang),
            "body": rendering.pick_lang(texts.get("body"), lang),
            "caption": rendering.pick_lang(texts.get("caption"), lang), "image": image,
            "qr": tracked_url(slide_id, None) if form.qr_url.data else None,
            "mark": rendering.mark_spec(workflow.theme_mark(form.themes.data or []), lang)
            if form.theme_mark.data else None}
    result = renderer.render(spec, image_path)
    response = send_file(io.BytesIO(renderer.to_jpeg(result.image, quality=80)), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    return response


def _delete_refusal(slide: Slide) -> str | None:
    if slide.on_air and scheduled("slide", slide.id):
        return _("This slide is in a schedule that is on air. Remove it from the schedule first.")
    return None


def _delete(slide: Slide) -> None:
    slide_id = slide.id
    db.session.delete(slide)
    db.session.commit()
    notify_changed("slide", slide_id)


add_review_routes(bp, Review(
    Slide, "slide_id", page="content_slides.edit", index="content_slides.index", submit=workflow.submit,
    approve=workflow.approve, reject=workflow.reject, delete_refusal=_delete_refusal, delete=_delete,
))


@bp.route("/scans")
@login_required
def scans():
    """QR scans per screen and per slide: how well each screen works."""
    slide_ids = select(Slide.id).join(Region, Region.id == Slide.region_id).where(
        Region.path.startswith(current_user.region.path))
    per_slide = db.session.execute(
        select(Slide.id, Slide.name, func.count(QrScan.id)).join(QrScan, QrScan.slide_id == Slide.id)
        .where(Slide.id.in_(slide_ids)).group_by(Slide.id, Slide.name).order_by(func.count(QrScan.id).desc())
    ).all()
    per_screen = db.session.execute(
        select(QrScan.screen_id, Screen.name, func.count(QrScan.id)).outerjoin(Screen, Screen.id == QrScan.screen_id)
        .where(QrScan.slide_id.in_(slide_ids)).group_by(QrScan.screen_id, Screen.name)
        .order_by(func.count(QrScan.id).desc())
    ).all()
    per_pair = db.session.execute(
        select(QrScan.slide_id, Slide.name, QrScan.screen_id, Screen.name, func.count(QrScan.id))
        .join(Slide, Slide.id == QrScan.slide_id).outerjoin(Screen, Screen.id == QrScan.screen_id)
        .where(QrScan.slide_id.in_(slide_ids))
        .group_by(QrScan.slide_id, Slide.name, QrScan.screen_id, Screen.name).order_by(func.count(QrScan.id).desc())
    ).all()
    return render_template("content/scans.html", per_slide=per_slide, per_screen=per_screen, per_pair=per_pair)


def _author(user_id: int | None) -> str | None:
    from signage.models import User

    user = db.session.get(User, user_id) if user_id else None
    return (user.display_name or user.username) if user else None


def queue_items() -> list[dict]:
    """Approvers' queue provider: submitted slides in the approver's region."""
    query = scoped_select(Slide).where(Slide.approval_state == "submitted")
    return [{"kind": _("Slide"), "title": s.name, "submitted_at": s.submitted_at,
             "submitted_by": _author(s.submitted_by_id),
             "url": url_for("content_slides.edit", slide_id=s.id)} for s in db.session.scalars(query)]

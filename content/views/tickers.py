"""Tickers (running text): per-language plain text, speed, colours, validity; approval like slides."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from content import workflow
from content.api import notify_changed
from content.forms import TickerForm, ticker_form
from content.media_service import scheduled
from content.models import Ticker
from content.views.slides import _author
from signage.approval_views import Review, add_review_routes
from signage.extensions import db
from signage.forms import select_choices
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.theme_forms import fill_theme_choices
from signage.themes import set_themes, themes_of
from signage.timeutil import local_tz

bp = Blueprint("content_tickers", __name__, url_prefix="/content/tickers", template_folder="../templates")


def _to_utc(local: datetime | None) -> datetime | None:
    return local.replace(tzinfo=local_tz()).astimezone(UTC) if local else None


def _to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_tz()).replace(tzinfo=None) if value else None


def _form(ticker: Ticker | None) -> TickerForm:
    form = ticker_form(obj=ticker)
    form.region_id.choices = select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())
    if request.method == "GET":
        if ticker is None:
            form.region_id.data = current_user.region_id
        else:
            form.load_texts(ticker.texts or {})
            form.valid_from.data = _to_local(ticker.valid_from)
            form.valid_until.data = _to_local(ticker.valid_until)
            form.themes.data = themes_of("ticker", [ticker.id]).get(ticker.id, [])
    fill_theme_choices(form.themes, current_user.region, "ticker", ticker.id if ticker else None)
    return form


def _fill(ticker: Ticker, form: TickerForm) -> bool:
    new = {"name": form.name.data, "region_id": require_region_in_scope(form.region_id.data).id,
           "texts": form.texts(), "speed_px_s": form.speed_px_s.data, "fg": form.fg.data.lower(),
           "bg": form.bg.data.lower(), "valid_from": _to_utc(form.valid_from.data),
           "valid_until": _to_utc(form.valid_until.data), "duration_s": form.duration_s.data}
    changed = any(getattr(ticker, k) != v for k, v in new.items())
    for key, value in new.items():
        setattr(ticker, key, value)
    return changed


@bp.route("/")
@login_required
def index():
    query = scoped_select(Ticker).options(joinedload(Ticker.region)).order_by(Ticker.updated_at.desc())
    return render_template("content/tickers_index.html", tickers=db.session.scalars(query).all())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _form(None)
    if form.validate_on_submit():
        ticker = Ticker(created_by_id=current_user.id)
        _fill(ticker, form)
        db.session.add(ticker)
        db.session.flush()
        set_themes("ticker", ticker.id, form.themes.data or [])
        db.session.commit()
        flash(_("Ticker saved as a draft."), "success")
        return redirect(url_for("content_tickers.edit", ticker_id=ticker.id))
    status = 400 if request.method == "POST" else 200
    return render_template("content/ticker_form.html", form=form, ticker=None), status


@bp.route("/<int:ticker_id>", methods=["GET", "POST"])
@login_required
def edit(ticker_id: int):
    ticker = get_scoped_or_404(Ticker, ticker_id)
    form = _form(ticker)
    if form.validate_on_submit():
        if _fill(ticker, form):
            workflow.edited(ticker)
            flash(_("Saved. The ticker needs approval again; the approved version stays on air until then.")
                  if ticker.on_air else _("Saved."), "success")
        set_themes("ticker", ticker.id, form.themes.data or [])
        db.session.commit()
        return redirect(url_for("content_tickers.edit", ticker_id=ticker.id))
    status = 400 if request.method == "POST" else 200
    review = {"changes": workflow.changes(ticker.on_air, workflow.snapshot(ticker))}
    return render_template("content/ticker_form.html", form=form, ticker=ticker, review=review), status


def _delete_refusal(ticker: Ticker) -> str | None:
    if ticker.on_air and scheduled("ticker", ticker.id):
        return _("This ticker is in a schedule that is on air. Remove it from the schedule first.")
    return None


def _delete(ticker: Ticker) -> None:
    ticker_id = ticker.id
    db.session.delete(ticker)
    db.session.commit()
    notify_changed("ticker", ticker_id)


add_review_routes(bp, Review(
    Ticker, "ticker_id", page="content_tickers.edit", index="content_tickers.index", submit=workflow.submit,
    approve=workflow.approve, reject=workflow.reject, delete_refusal=_delete_refusal, delete=_delete,
))


def queue_items() -> list[dict]:
    query = scoped_select(Ticker).where(Ticker.approval_state == "submitted")
    return [{"kind": _("Ticker"), "title": t.name, "submitted_at": t.submitted_at,
             "submitted_by": _author(t.submitted_by_id),
             "url": url_for("content_tickers.edit", ticker_id=t.id)} for t in db.session.scalars(query)]

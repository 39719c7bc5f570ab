"""Public pages for tourists and residents (no account): opt in from a QR code, confirm with the SMS code,
opt out with one tap from the link in every promotional message. Shown in the visitor's language."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from signage.extensions import csrf, db, limiter
from signage.languages import configured_codes, native_names
from sms.forms import ConfirmForm, JoinForm
from sms.models import Contact, OptInRequest
from sms.optin import OptInError, confirm, start
from sms.optouts import opt_out
from sms.phones import InvalidPhone, normalize_phone
from sms.render import contact_from_token

bp = Blueprint("sms_public", __name__, url_prefix="/sms")

def visitor_language() -> str:
    """The language asked for, else the browser's best match among the configured ones, else Vietnamese."""
    wanted = request.values.get("lang") or request.values.get("language")
    if wanted in configured_codes():
        return wanted
    return request.accept_languages.best_match(list(configured_codes()), default="vi")


def consent_text() -> str:
    return _("I agree to receive SMS from the provincial information department about events, tourism and "
             "public services. Promotional messages are marked [QC]/[AD], at most 3 a day, only between "
             "07:00 and 22:00. I can unsubscribe at any time with one tap on the link in each message.")


def error_text(code: str) -> str:
    return {
        "too_many": _("Too many codes were requested for this number. Try again in an hour."),
        "expired": _("This code has expired. Start again to get a new one."),
        "wrong_code": _("That code is not right. Check the SMS and try again."),
        "locked": _("Too many wrong codes. Start again to get a new one."),
        "send_failed": _("We could not send the code to this number. Check it and try again."),
        "busy": _("We cannot send codes right now. Please try again later."),
    }[code]


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SMS_OTP_PER_IP"], methods=["POST"])
def join():
    lang = visitor_language()
    with force_locale(lang):
        form = JoinForm(language=lang)
        src = (request.values.get("src") or "")[:200]
        status = 200
        if form.validate_on_submit():
            try:
                phone = normalize_phone(form.phone.data)
            except InvalidPhone:
                form.phone.errors.append(_("This is not a valid mobile number. Include the country code, "
                                           "e.g. +44 7911 123456, or a Vietnamese number like 0912 345 678."))
                status = 400
            else:
                with force_locale(form.language.data):
                    text = consent_text()
                    code_sms = _("Your confirmation code is %(code)s", code="{code}")
                try:
                    req = start(phone, form.language.data, src, text, lambda c: code_sms.replace("{code}", c))
                except OptInError as exc:
                    form.phone.errors.append(error_text(exc.code))
                    status = 429 if exc.code in ("too_many", "busy") else 400
                else:
                    return redirect(url_for("sms_public.confirm_code", token=req.token, lang=form.language.data))
        elif request.method == "POST":
            status = 400
        return render_template("sms/public/join.html", form=form, src=src, lang=lang, consent=consent_text(),
                               languages=native_names()), status


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def confirm_code(token: str):
    req = db.session.scalar(select(OptInRequest).where(OptInRequest.token == token))
    if req is None:
        abort(404)
    with force_locale(req.language):
        form = ConfirmForm()
        status, error = 200, None
        if form.validate_on_submit():
            try:
                contact = confirm(req, form.code.data)
            except OptInError as exc:
                error, status = error_text(exc.code), 400
            else:
                return render_template("sms/public/confirmed.html", contact=contact, lang=req.language)
        elif request.method == "POST":
            status = 400
        return render_template("sms/public/confirm.html", form=form, req=req, error=error,
                               lang=req.language), status


@bp.route("/o/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token in the link is the authority; a phone refusing cookies must still opt out
def optout(token: str):
    """One tap: the link from a promotional SMS opens a page whose form submits itself, so in a browser the
    tap opts out at once; link-preview robots fetch the page but run no script, so they opt nobody out
    (without script: one button). The page then offers to refuse public-service information too
    (emergency alerts stay on unless asked)."""
    contact_id = contact_from_token(token)
    contact = db.session.get(Contact, contact_id) if contact_id else None
    if contact is None:
        abort(404)
    if request.method == "POST":
        opt_out(contact.id, ("promotional",), "link")
        kinds = [k for k in request.form.getlist("kinds") if k in ("public_service", "emergency")]
        if kinds:
            opt_out(contact.id, kinds, "link")
    kinds = contact.opted_out_kinds()
    with force_locale(contact.language if contact.language in configured_codes() else "vi"):
        response = current_app.make_response(render_template(
            "sms/public/optout.html", contact=contact, token=token, kinds=kinds, done="promotional" in kinds,
            lang=contact.language))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response

"""Operator UI: campaigns (edit, preview, approval, start), contacts, imports, suppression lists, outbox phone."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import validate_csrf
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import func, or_, select
from wtforms.fields.choices import SelectChoice

from signage.approval import ApprovalState, approve, reopen
from signage.approval_views import Review, add_review_routes
from signage.extensions import db
from signage.forms import select_choices
from signage.labels import label, register_labels
from signage.languages import configured_codes, native_names
from signage.models import AuditLog, Region
from signage.redis_client import get_queue, get_redis
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select
from signage.text import clean_line
from signage.theme_forms import fill_theme_choices
from signage.themes import set_themes, themes_of
from signage.timeutil import local_tz, utcnow
from sms import imports, jobs, uploads
from sms.broadcast import PROGRESS
from sms.encoding import gsm_safe
from sms.forms import KIND_CHOICES, CampaignForm, ContactForm, ImportForm, ReplyForm, SuppressionForm, campaign_form
from sms.models import (
    Campaign,
    CampaignStatus,
    ConsentRecord,
    Contact,
    Message,
    MessageState,
    OutboxDirection,
    OutboxMessage,
    OutboxStatus,
    SuppressionEntry,
)
from sms.optouts import ALL_KINDS, handle_reply, opt_out
from sms.phones import InvalidPhone, normalize_phone, try_normalize
from sms.preview import build_preview
from sms.schedule import ALL_WEEKDAYS, Schedule, ScheduleMode, parse_hhmm
from sms.status import carrier_errors, decide_unknown, waiting_for_gateway

bp = Blueprint("sms", __name__, url_prefix="/sms", template_folder="templates", static_folder="static")

#: Stored codes as the operator reads them (`{{ code|label("message_state") }}`).
MESSAGE_STATES = [
    ("queued", _l("Waiting to be sent")), ("sending", _l("Being sent")), ("sent", _l("Sent")),
    ("delivered", _l("Delivered")), ("undelivered", _l("Not delivered")), ("failed", _l("Failed")),
    ("unknown", _l("Unknown: needs a decision")), ("skipped", _l("Not sent")),
]
SKIP_REASONS = [
    ("opted_out", _l("opted out")), ("expired", _l("no longer valid")), ("no_consent", _l("no consent")),
    ("suppressed", _l("on a suppression list")), ("outside_window", _l("waiting for 07:00–22:00")),
    ("daily_cap", _l("daily limit reached")), ("alert_first", _l("an alert's SMS goes first")),
    ("alert_cancelled", _l("alert cancelled")), ("cancelled", _l("campaign cancelled")),
]
CONSENT_SOURCES = [("operator", _l("Entered by an operator")), ("qr_optin", _l("QR code opt-in, confirmed by SMS")),
                   ("import", _l("Imported list")), ("form", _l("Paper or web form"))]
OPTOUT_SOURCES = [("link", _l("Opt-out link")), ("keyword", _l("Reply keyword")),
                  ("carrier_21610", _l("Carrier block (STOP)")), ("operator", _l("Entered by an operator"))]
OUTBOX_STATUSES = [("sent", _l("Sent")), ("delivered", _l("Delivered")), ("received", _l("Reply received"))]
#: What the progress bar and its counts call each group of message states (sms.broadcast.PROGRESS).
PROGRESS_LABELS = {"queued": _l("waiting"), "sending": _l("being sent"), "sent": _l("sent"),
                   "delivered": _l("delivered"), "failed": _l("failed"), "stopped": _l("stopped or refused")}


@bp.record_once
def _register_labels(state) -> None:
    register_labels(state.app, "message_state", MESSAGE_STATES)
    register_labels(state.app, "skip_reason", SKIP_REASONS)
    register_labels(state.app, "outbox_status", OUTBOX_STATUSES)
    register_labels(state.app, "consent_source", CONSENT_SOURCES)
    register_labels(state.app, "optout_source", OPTOUT_SOURCES)
    register_labels(state.app, "optout_kind", KIND_CHOICES)


def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored (UTC) time in the configured zone (SIGNAGE_TIMEZONE), as operators read times."""
    return value.astimezone(local_tz()).strftime(fmt) if value else ""


def zone_name() -> str:
    """The configured zone with its offset, e.g. "Asia/Ho_Chi_Minh (UTC+07:00)", where a time needs its zone."""
    offset = utcnow().astimezone(local_tz()).strftime("%z")
    return f"{local_tz().key} (UTC{offset[:3]}:{offset[3:]})"


def money(amount: float, currency: str, vnd_rate: float) -> str:
    """"0.34 USD (≈ 8 840 VND)": the gateway's currency, and VND when a rate is configured."""
    if currency == "VND":
        return f"{amount:,.0f} VND".replace(",", " ")
    text = f"{amount:,.2f} {currency}"
    if vnd_rate:
        text += " (≈ " + f"{amount * vnd_rate:,.0f}".replace(",", " ") + " VND)"
    return text


@bp.context_processor
def _page_helpers() -> dict:
    return {"local_time": local_time, "zone_name": zone_name, "money": money, "import_row_error": import_row_error,
            "language_name":
            lambda code: native_names().get(code, code)}


def _region_choices() -> list[SelectChoice]:
    return select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())


def _local(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=local_tz()) if dt else None


def _schedule_from(form: CampaignForm) -> Schedule:
    """The form's "When" fields as a Schedule (the form validated the time of day)."""
    mode = ScheduleMode(form.schedule_mode.data)
    time_of_day = parse_hhmm(form.send_time.data or "09:00")
    if mode is ScheduleMode.AT:
        return Schedule(mode, at=_local(form.send_at.data) if form.send_at.data else utcnow())
    if mode is ScheduleMode.RECURRING:
        return Schedule(mode, weekdays=frozenset(int(d) for d in form.weekdays.data or []) or ALL_WEEKDAYS,
                        time_of_day=time_of_day)
    if mode is ScheduleMode.ARRIVAL:
        return Schedule(mode, offset_days=form.offset_days.data or 0, time_of_day=time_of_day)
    return Schedule(mode)


def _fill_schedule_fields(form: CampaignForm, schedule: Schedule) -> None:
    """The saved schedule back into the "When" fields (the other modes' fields keep their defaults)."""
    form.schedule_mode.data = schedule.mode.value
    if schedule.mode is ScheduleMode.AT:
        form.send_at.data = schedule.at.astimezone(local_tz()).replace(tzinfo=None)
    if schedule.mode is ScheduleMode.RECURRING:
        form.weekdays.data = [str(d) for d in sorted(schedule.weekdays)]
    if schedule.ongoing:
        form.send_time.data = schedule.time_of_day.strftime("%H:%M")
    if schedule.mode is ScheduleMode.ARRIVAL:
        form.offset_days.data = schedule.offset_days


# ------------------------------------------------------------------ campaigns


@bp.route("/")
@login_required
def index():
    campaigns = db.session.scalars(scoped_select(Campaign).order_by(Campaign.created_at.desc())).all()
    return render_template("sms/campaigns.html", campaigns=campaigns)


def _fill_campaign(campaign: Campaign, form: CampaignForm) -> None:
    campaign.name = form.name.data.strip()
    campaign.region_id = require_region_in_scope(form.region_id.data).id
    campaign.kind = form.kind.data
    campaign.messages = {lang: (getattr(form, f"message_{lang}").data or "").strip() for lang in form.language_codes
                         if (getattr(form, f"message_{lang}").data or "").strip()}
    campaign.event = (form.event.data or "").strip()
    regions = [require_region_in_scope(r).id for r in form.audience_regions.data or []]
    tags = [t.strip().lower() for t in (form.audience_tags.data or "").replace(";", ",").split(",") if t.strip()]
    campaign.audience = {"kinds": form.audience_kinds.data or [], "region_ids": regions,
                         "languages": form.audience_languages.data or [], "tags": tags,
                         "present_on": form.present_on.data.isoformat() if form.present_on.data else ""}
    campaign.schedule = _schedule_from(form).to_json()
    campaign.valid_from = _local(form.valid_from.data)
    campaign.valid_until = _local(form.valid_until.data)
    campaign.use_unaccented = bool(form.use_unaccented.data)


def _form_for(campaign: Campaign | None) -> CampaignForm:
    form = campaign_form()
    choices = _region_choices()
    form.region_id.choices = choices
    form.audience_regions.choices = choices
    if campaign is not None and request.method == "GET":
        form.name.data, form.region_id.data, form.kind.data = campaign.name, campaign.region_id, campaign.kind
        for lang in form.language_codes:
            getattr(form, f"message_{lang}").data = campaign.messages.get(lang, "")
        form.event.data = campaign.event
        aud = campaign.audience or {}
        form.audience_kinds.data, form.audience_regions.data = aud.get("kinds", []), aud.get("region_ids", [])
        form.audience_languages.data = aud.get("languages", [])
        form.audience_tags.data = ", ".join(aud.get("tags", []))
        _fill_schedule_fields(form, Schedule.parse(campaign.schedule))
        form.use_unaccented.data = campaign.use_unaccented
        form.themes.data = themes_of("campaign", [campaign.id]).get(campaign.id, [])
    fill_theme_choices(form.themes, current_user.region, "campaign", campaign.id if campaign else None)
    return form


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def campaign_new():
    form = _form_for(None)
    if form.validate_on_submit():
        campaign = Campaign(created_by_id=current_user.id)
        _fill_campaign(campaign, form)
        db.session.add(campaign)
        db.session.flush()
        set_themes("campaign", campaign.id, form.themes.data or [])
        db.session.commit()
        flash(_("Campaign saved. Check the preview, then submit it for approval."), "success")
        return redirect(url_for("sms.campaign_show", campaign_id=campaign.id))
    return render_template("sms/campaign_form.html", form=form, campaign=None), 400 if request.method == "POST" else 200


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def campaign_edit(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    if campaign.status != CampaignStatus.DRAFT.value:
        flash(_("A campaign that has started cannot be edited."), "error")
        return redirect(url_for("sms.campaign_show", campaign_id=campaign.id))
    form = _form_for(campaign)
    if form.validate_on_submit():
        _fill_campaign(campaign, form)
        reopen(campaign)
        set_themes("campaign", campaign.id, form.themes.data or [])
        db.session.commit()
        flash(_("Campaign saved; it needs approval again."), "success")
        return redirect(url_for("sms.campaign_show", campaign_id=campaign.id))
    return render_template("sms/campaign_form.html", form=form, campaign=campaign), \
        400 if request.method == "POST" else 200


@bp.route("/campaigns/<int:campaign_id>")
@login_required
def campaign_show(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    preview = build_preview(campaign, now=utcnow())
    progress = campaign_progress(campaign.id)
    review = db.session.scalars(select(Message).where(Message.campaign_id == campaign.id,
                                                      Message.needs_review.is_(True)).limit(200)).all()
    missing = [code for code in preview.fallbacks if code in configured_codes()]
    return render_template("sms/campaign_show.html", campaign=campaign, preview=preview, progress=progress,
                           review=review, missing=missing, progress_labels=PROGRESS_LABELS,
                           starts_on_approval=Schedule.parse(campaign.schedule).mode in STARTS_ON_APPROVAL,
                           carrier=carrier_errors(campaign.id), waiting=waiting_for_gateway(campaign.id))


def _start(campaign: Campaign) -> None:
    """Draft → running, and the dispatcher takes it from there (its schedule says when each message is due)."""
    campaign.status, campaign.started_at = CampaignStatus.RUNNING.value, utcnow()
    db.session.commit()
    jobs.start_campaign(campaign.id)


#: Schedules whose approval starts the campaign: the operator already said when ("now", or a date and time).
#: Recurring and arrival programmes wait for "Start sending".
STARTS_ON_APPROVAL = (ScheduleMode.NOW, ScheduleMode.AT)


def _approve_campaign(campaign: Campaign, comment: str = "") -> None:
    """Approve; a campaign to send now or at a set time starts at once (nobody has to click "Start sending")."""
    approve(campaign, comment)
    db.session.commit()
    if campaign.status == CampaignStatus.DRAFT.value and Schedule.parse(campaign.schedule).mode in STARTS_ON_APPROVAL:
        _start(campaign)
        flash(_("Sending has started; the progress is shown below."), "success")


add_review_routes(bp, Review(
    Campaign, "campaign_id", page="sms.campaign_show", index="sms.index", rule_prefix="/campaigns",
    endpoint_prefix="campaign_", deletable=False, approve=_approve_campaign,
))


@bp.post("/campaigns/<int:campaign_id>/start")
@login_required
def campaign_start(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    if campaign.state is not ApprovalState.APPROVED:
        flash(_("Only an approved campaign can be started."), "error")
    elif campaign.status == CampaignStatus.DRAFT.value:
        _start(campaign)
        flash(_("Campaign started."), "success")
    return redirect(url_for("sms.campaign_show", campaign_id=campaign_id))


def campaign_progress(campaign_id: int) -> dict:
    """The campaign's messages by progress group (sms.broadcast.PROGRESS), the total, and how many are handled
    (no longer waiting), for the progress bar."""
    by_state = dict(db.session.execute(select(Message.state, func.count()).where(
        Message.campaign_id == campaign_id).group_by(Message.state)).all())
    progress = {group: sum(by_state.get(s.value, 0) for s in states) for group, states in PROGRESS.items()}
    progress["total"] = sum(by_state.values())
    progress["handled"] = progress["total"] - progress["queued"] - progress["sending"]
    return progress


@bp.get("/campaigns/<int:campaign_id>/progress.json")
@login_required
def campaign_progress_json(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    progress = campaign_progress(campaign.id)
    return jsonify({**progress, "status": campaign.status, "running": campaign.status == CampaignStatus.RUNNING.value,
                    "status_label": label(campaign.status, "campaign_status"),
                    "summary": _("%(done)d of %(total)d handled", done=progress["handled"], total=progress["total"])})


@bp.post("/campaigns/<int:campaign_id>/gsm-safe")
@login_required
def campaign_gsm_safe(campaign_id: int):
    """Replace one language's text by its GSM-7-safe variant (the preview's offer); it needs approval again."""
    campaign = get_scoped_or_404(Campaign, campaign_id)
    lang = request.form.get("language", "")
    text = (campaign.messages or {}).get(lang)
    if campaign.status != CampaignStatus.DRAFT.value or not text:
        abort(409)
    campaign.messages = {**campaign.messages, lang: gsm_safe(text)}
    reopen(campaign)
    db.session.commit()
    flash(_("The text now uses plain quotes, dashes and spaces; it needs approval again."), "success")
    return redirect(url_for("sms.campaign_show", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/cancel")
@login_required
def campaign_cancel(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    campaign.status = CampaignStatus.CANCELLED.value
    db.session.execute(Message.__table__.update().where(
        Message.campaign_id == campaign.id, Message.state == MessageState.QUEUED.value)
        .values(state=MessageState.SKIPPED.value, skip_reason="cancelled"))
    db.session.commit()
    flash(_("Campaign cancelled; messages not sent yet will not be sent."), "success")
    return redirect(url_for("sms.campaign_show", campaign_id=campaign_id))


@bp.post("/messages/<int:message_id>/resolve")
@login_required
def message_resolve(message_id: int):
    """A human decides about a message flagged "unknown — not retried": the person did get it (mark sent),
    or send it again (a deliberate override of the forward-only rule, recorded in the audit log)."""
    msg = db.session.get(Message, message_id) or abort(404)
    campaign = get_scoped_or_404(Campaign, msg.campaign_id)
    if msg.state != MessageState.UNKNOWN.value:
        abort(409)
    action = request.form.get("action")
    if action not in ("sent", "resend"):
        abort(400)
    note = f"{action} by {current_user.username}"
    if not decide_unknown(msg.id, action, note):
        db.session.rollback()
        abort(409)  # a receipt or another person decided meanwhile
    db.session.add(AuditLog(user_id=current_user.id, username=current_user.username, action="update",
                            entity="sms_message", entity_id=str(msg.id), region_path=campaign.region.path,
                            before={"state": "unknown"}, after={"state": "sent" if action == "sent" else "queued",
                                                                "decision": action}))
    db.session.commit()
    if action == "resend":
        get_queue(jobs.QUEUE).enqueue(jobs.send_batch, campaign.id, [msg.id])
    flash(_("Decision recorded."), "success")
    return redirect(url_for("sms.campaign_show", campaign_id=campaign.id))


def approval_queue() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    pending = db.session.scalars(scoped_select(Campaign).where(
        Campaign.approval_state == ApprovalState.SUBMITTED.value)).all()
    return [{"kind": _("SMS campaign"), "title": c.name, "submitted_at": c.submitted_at,
             "submitted_by": "", "url": url_for("sms.campaign_show", campaign_id=c.id)} for c in pending]


# ------------------------------------------------------------------ contacts and imports


@bp.route("/contacts")
@login_required
def contacts():
    page = max(1, request.args.get("page", 1, type=int))
    q = clean_line(request.args.get("q", ""), max_length=200)  # NFC: a name typed decomposed finds the stored one
    query = scoped_select(Contact)
    if q:
        phone = try_normalize(q)
        query = query.where(Contact.phone == phone) if phone else query.where(Contact.name.contains(q))
    rows = db.session.scalars(query.order_by(Contact.id.desc()).limit(100).offset((page - 1) * 100)).all()
    return render_template("sms/contacts.html", contacts=rows, page=page, q=q)


@bp.route("/contacts/<int:contact_id>", methods=["GET", "POST"])
@login_required
def contact_show(contact_id: int):
    """Consent history (what was shown, when, where), opt-outs and messages of one contact."""
    contact = get_scoped_or_404(Contact, contact_id)
    if request.method == "POST":
        validate_csrf(request.form.get("csrf_token"))
        kinds = [k for k in request.form.getlist("kinds") if k in ALL_KINDS]
        if kinds:
            opt_out(contact.id, kinds, f"operator:{current_user.username}")
            flash(_("Opt-out recorded."), "success")
        return redirect(url_for("sms.contact_show", contact_id=contact.id))
    messages = db.session.scalars(select(Message).where(Message.contact_id == contact.id)
                                  .order_by(Message.id.desc()).limit(50)).all()
    return render_template("sms/contact_show.html", contact=contact, messages=messages)


@bp.route("/contacts/new", methods=["GET", "POST"])
@login_required
def contact_new():
    """Add one contact. A number is one contact province-wide (`Contact.phone` is unique), so a number another
    district holds cannot be added again — but saying so would tell this district that the number is somebody's
    contact elsewhere (an existence oracle). Such a number gets the answer a new number gets ("Contact added.",
    back to the list); what the operator collected is not lost: their consent is recorded on the existing
    contact (source "operator", the operator and their region as reference; the contact's new consent time is in
    the audit log), and nothing else of the other district's contact changes — its name, region and tags stay as
    they are. What remains observable: the number does not appear in this district's list afterwards (it stays
    the other district's) — the same as for any number the district cannot see, and it tells nothing of whose it
    is; the province sees both consents. A number already in the operator's own subtree is visible to them
    anyway, so that case says so."""
    form = ContactForm()
    form.region_id.choices = _region_choices()
    if form.validate_on_submit():
        try:
            phone = normalize_phone(form.phone.data)
        except InvalidPhone as exc:
            form.phone.errors.append(str(exc))
        else:
            existing = db.session.scalar(select(Contact).where(Contact.phone == phone))
            region = require_region_in_scope(form.region_id.data)
            consent_text = (form.consent_text.data or "").strip()
            if existing is not None and current_user.region.contains(existing.region):
                form.phone.errors.append(_("This number is already a contact."))
            else:
                if existing is None:
                    contact = Contact(phone=phone, name=form.name.data or "", language=form.language.data,
                                      kind=form.kind.data, region_id=region.id, arrival_date=form.arrival_date.data,
                                      departure_date=form.departure_date.data)
                    contact.tags = (form.tags.data or "").split(",")
                    db.session.add(contact)
                else:
                    contact = existing  # another district's: only the consent is added (see the docstring)
                if consent_text:
                    contact.consent_at = utcnow()
                    ref = current_user.username if existing is None else f"{current_user.username} ({region.code})"
                    contact.consents.append(ConsentRecord(source="operator", source_ref=ref, text_shown=consent_text,
                                                          language=form.language.data))
                db.session.commit()
                flash(_("Contact added."), "success")
                return redirect(url_for("sms.contacts"))
    return render_template("sms/contact_form.html", form=form), 400 if request.method == "POST" else 200


def import_file_error(code: str, kind: str = "") -> str:
    """The reason an uploaded contact file cannot be imported (`sms.imports.ImportFileError`), for the operator."""
    if code == "binary":
        if kind:
            return _("This is not a CSV file: it looks like a %(kind)s file. Save the list as CSV (comma-separated "
                     "values) and upload that.", kind=kind)
        return _("This is not a CSV file (it contains binary data). Save the list as CSV and upload that.")
    if code == "no_phone_column":
        return _("The first row of the file must name the columns, with at least a 'phone' column.")
    return _("The file could not be read.")


@bp.route("/contacts/import", methods=["GET", "POST"])
@login_required
def contacts_import():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        upload.stream.seek(0)
        try:
            text, _encoding = imports.decode_upload(data)
            imports.check_header(text)
        except imports.ImportFileError as exc:
            form.file.errors.append(import_file_error(exc.code, exc.kind))
        else:
            name = uploads.save(upload, ".csv")
            job = get_queue(jobs.QUEUE).enqueue(imports.import_contacts_upload, name, current_user.region.path,
                                               upload.filename or name, job_timeout=3600,
                                               meta={"region_path": current_user.region.path})
            return redirect(url_for("sms.import_status", job_id=job.id))
    return render_template("sms/import.html", form=form), 400 if request.method == "POST" else 200


#: What an import row's error code (sms.imports.RowError) means, for the operator.
ROW_ERRORS = {
    "bad_number": _l("Not a valid mobile number"), "duplicate": _l("Already a contact"),
    "unknown_region": _l("Unknown region code, or a region outside yours"),
    "missing_consent": _l("No consent: the consent_text column is empty"),
    "unknown_language": _l("A language this province does not use"),
    "unknown_kind": _l("Kind must be tourist or resident"), "bad_date": _l("Dates must be written YYYY-MM-DD"),
    "field_too_long": _l("Field too long (characters / at most)"), "unreadable_row": _l("The row cannot be read"),
}


def import_row_error(error: dict) -> str:
    """One row's error as the import status page shows it: the code in words, then the value at fault."""
    text = ROW_ERRORS.get(error.get("code", ""))
    if text is None:
        return error.get("reason", "")
    return f"{text}: {error['detail']}" if error.get("detail") else str(text)


#: What the import status page says about the job's state (RQ's JobStatus values).
IMPORT_STATES = {"queued": "waiting", "deferred": "waiting", "scheduled": "waiting", "started": "running",
                 "finished": "finished", "failed": "failed", "stopped": "failed", "canceled": "failed"}


def _import_state(job: Job) -> dict:
    """The job as the page and its poll see it: state (waiting | running | finished | failed; also as "status"),
    a translated label,
    `over` (the page stops polling), progress, the result, and the reason of a failure in words."""
    status = job.get_status(refresh=True)
    state = IMPORT_STATES.get(getattr(status, "value", status) or "queued", "waiting")
    result = job.return_value() if state == "finished" else None
    error = ""
    if isinstance(result, dict) and result.get("error"):
        state, error = "failed", import_file_error(result["error"], result.get("kind", ""))
        result = None
    elif state == "failed":
        error = _("The import stopped with an error; nothing after the last saved row was imported. Check the file "
                  "and try again, or ask an administrator to look at the worker's log.")
    labels = {"waiting": _("Waiting for a worker…"), "running": _("Importing…"), "finished": _("Finished"),
              "failed": _("Failed")}
    return {"state": state, "status": state, "label": labels[state], "over": state in ("finished", "failed"),
            "error": error, "done": job.meta.get("done", 0), "total": job.meta.get("total", 0), "result": result}


@bp.route("/imports/<job_id>")
@login_required
def import_status(job_id: str):
    try:
        job = Job.fetch(job_id, connection=get_redis())
    except NoSuchJobError:
        abort(404)
    if job.meta.get("region_path") and not job.meta["region_path"].startswith(current_user.region.path):
        abort(404)
    data = _import_state(job)
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        return jsonify(data)
    return render_template("sms/import_status.html", job_id=job_id, data=data)


@bp.route("/suppression", methods=["GET", "POST"])
@login_required
def suppression():
    if not current_user.has_role("admin", "approver") and current_user.region.parent_id is not None:
        abort(403)
    form = SuppressionForm()
    if form.validate_on_submit():
        name = uploads.save(form.file.data, ".txt")
        job = get_queue(jobs.QUEUE).enqueue(jobs.import_suppression_job, name, form.list_name.data.strip(),
                                           job_timeout=3600)
        return redirect(url_for("sms.import_status", job_id=job.id))
    lists = db.session.execute(select(SuppressionEntry.list_name, func.count()).group_by(
        SuppressionEntry.list_name)).all()
    return render_template("sms/suppression.html", form=form, lists=lists)


# ------------------------------------------------------------------ outbox phone


@bp.route("/outbox")
@login_required
def outbox():
    """The numbers the outbox "sent" to, limited like the conversations (`_visible_phone`): contacts of the
    operator's region subtree, and numbers that are no contact yet (opt-in codes) at province level only."""
    region = current_user.region
    in_scope = select(Contact.phone).join(Region, Contact.region_id == Region.id).where(
        Region.path.startswith(region.path))
    visible = OutboxMessage.phone.in_(in_scope)
    if region.parent_id is None:
        visible = or_(visible, OutboxMessage.phone.not_in(select(Contact.phone)))
    phones = db.session.execute(select(OutboxMessage.phone, func.count(), func.max(OutboxMessage.created_at))
                                .where(visible).group_by(OutboxMessage.phone)
                                .order_by(func.max(OutboxMessage.created_at).desc()).limit(500)).all()
    return render_template("sms/outbox.html", phones=phones)


def _visible_phone(phone: str) -> None:
    """Operators see the conversation of numbers in their region (or the opt-in codes of unknown numbers
    only at province level)."""
    region_id = db.session.scalar(select(Contact.region_id).where(Contact.phone == phone))
    region = db.session.get(Region, region_id) if region_id else None
    if region is None:
        if current_user.region.parent_id is not None:
            abort(404)
    elif not current_user.region.contains(region):
        abort(404)


@bp.route("/outbox/<phone>", methods=["GET", "POST"])
@login_required
def outbox_phone(phone: str):
    _visible_phone(phone)
    form = ReplyForm()
    if form.validate_on_submit():
        db.session.add(OutboxMessage(phone=phone, direction=OutboxDirection.IN.value, body=form.body.data,
                                     sid="IN" + uuid.uuid4().hex, status=OutboxStatus.RECEIVED.value))
        db.session.commit()
        if handle_reply(phone, form.body.data, source="keyword"):
            flash(_("The reply was an opt-out keyword: the number is opted out."), "success")
        return redirect(url_for("sms.outbox_phone", phone=phone))
    thread = db.session.scalars(select(OutboxMessage).where(OutboxMessage.phone == phone)
                                .order_by(OutboxMessage.id)).all()
    return render_template("sms/outbox_phone.html", phone=phone, thread=thread, form=form)

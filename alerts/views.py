"""The operators' emergency-alert pages (`/alerts/`: list, raise, cancel) and the dashboard widget.

Admins and approvers raise and cancel (RAISE_ROLES); everyone signed in sees the alerts of their region
subtree. Every change goes through `alerts.service`; the SMS tick box only sets the signal's `send_sms`.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from alerts.models import EmergencyAlert, Severity
from alerts.service import AlertError, cancel_alert, raise_alert, sms_region_ids
from signage.extensions import db
from signage.forms import CONTENT_LANGUAGES, select_choices
from signage.models import Region, Screen, ScreenGroup
from signage.scoping import get_scoped_or_404, require_region_in_scope, scoped_regions, scoped_select

#: Roles that may raise and cancel an emergency alert (admins always may).
RAISE_ROLES = ("approver",)

SEVERITY_LABELS = {
    Severity.EXTREME.value: _l("Extreme — danger to life"),
    Severity.SEVERE.value: _l("Severe"),
    Severity.MODERATE.value: _l("Moderate"),
}

bp = Blueprint("alerts", __name__, url_prefix="/alerts", template_folder="templates")


class AlertForm(FlaskForm):
    region_id = SelectField(_l("Raised for region"), coerce=int, validators=[DataRequired()])
    severity = SelectField(_l("Severity"), choices=select_choices(SEVERITY_LABELS.items()),
                           default=Severity.SEVERE.value)
    message_vi = TextAreaField(_l("Message (Vietnamese)"), validators=[DataRequired(), Length(max=500)])
    message_en = TextAreaField(_l("Message (English)"), validators=[Optional(), Length(max=500)])
    message_ru = TextAreaField(_l("Message (Russian)"), validators=[Optional(), Length(max=500)])
    message_zh = TextAreaField(_l("Message (Chinese)"), validators=[Optional(), Length(max=500)])
    message_ko = TextAreaField(_l("Message (Korean)"), validators=[Optional(), Length(max=500)])
    target_regions = SelectMultipleField(_l("Regions (every screen inside)"), coerce=int)
    target_groups = SelectMultipleField(_l("Screen groups"), coerce=int)
    target_screens = SelectMultipleField(_l("Single screens"), coerce=int)
    send_sms = BooleanField(_l("Also send this text by SMS to every contact in the targeted regions"))
    confirm = BooleanField(_l("I confirm this is a real emergency: every targeted screen switches to it now."),
                           validators=[DataRequired()])


def _may_raise() -> bool:
    return current_user.has_role(*RAISE_ROLES)


def _alert_form() -> AlertForm:
    form = AlertForm()
    regions = select_choices((r.id, "— " * r.depth + r.name) for r in scoped_regions())
    form.region_id.choices = regions
    form.target_regions.choices = regions
    groups = db.session.scalars(scoped_select(ScreenGroup).order_by(ScreenGroup.name))
    form.target_groups.choices = select_choices((g.id, g.name) for g in groups)
    screens = db.session.scalars(scoped_select(Screen).where(Screen.retired_at.is_(None)).order_by(Screen.name))
    form.target_screens.choices = select_choices((s.id, f"{s.name} ({s.region.name})") for s in screens)
    if request.method == "GET":
        form.region_id.data = current_user.region_id
    return form


@bp.route("/")
@login_required
def index():
    alerts = list(db.session.scalars(
        scoped_select(EmergencyAlert).order_by(EmergencyAlert.started_at.desc()).limit(100)
    ))
    return render_template(
        "alerts/index.html", active=[a for a in alerts if a.active], past=[a for a in alerts if not a.active],
        may_raise=_may_raise(), severities=SEVERITY_LABELS, languages=dict(CONTENT_LANGUAGES),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not _may_raise():
        abort(403)
    form = _alert_form()
    if form.validate_on_submit():
        owner = require_region_in_scope(form.region_id.data)
        target_regions = [require_region_in_scope(rid).id for rid in form.target_regions.data or []]
        target_groups = [get_scoped_or_404(ScreenGroup, gid).id for gid in form.target_groups.data or []]
        target_screens = [get_scoped_or_404(Screen, sid).id for sid in form.target_screens.data or []]
        for region in (db.session.get(Region, rid) for rid in target_regions):
            if not owner.contains(region):
                form.target_regions.errors.append(_("Target regions must lie inside the region raising the alert."))
                return render_template("alerts/form.html", form=form), 400
        messages = {code: getattr(form, f"message_{code}").data or "" for code, _label in CONTENT_LANGUAGES}
        try:
            alert = raise_alert(
                region_id=owner.id, messages=messages, severity=form.severity.data,
                target_region_ids=target_regions, target_screen_ids=target_screens,
                target_group_ids=target_groups, created_by_id=current_user.id, send_sms=form.send_sms.data,
            )
        except AlertError as exc:
            form.message_vi.errors.append(str(exc))
            return render_template("alerts/form.html", form=form), 400
        flash(_("Emergency alert raised: the targeted screens show it within seconds."), "success")
        if form.send_sms.data:
            # The SMS package starts the sending on the signal; what we know here is where it goes.
            count = len(sms_region_ids(alert.region_id, alert.target_region_ids))
            flash(_("Emergency SMS requested for %(count)d region(s).", count=count), "success")
        return redirect(url_for("alerts.index", _anchor=f"alert-{alert.id}"))
    return render_template("alerts/form.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/<int:alert_id>/cancel")
@login_required
def cancel(alert_id: int):
    if not _may_raise():
        abort(403)
    alert = get_scoped_or_404(EmergencyAlert, alert_id)
    cancel_alert(alert, current_user.id)
    flash(_("Emergency alert cancelled: the screens resume their schedule."), "success")
    return redirect(url_for("alerts.index"))


def dashboard_widget():
    if not current_user.is_authenticated:
        return _("Emergency alerts"), Markup("")
    count = len(list(db.session.scalars(scoped_select(EmergencyAlert).where(EmergencyAlert.cancelled_at.is_(None)))))
    return _("Emergency alerts"), Markup(render_template("alerts/_widget.html", count=count))


def init_app(app: Flask) -> None:
    from signage.registry import add_nav, add_panel

    app.register_blueprint(bp)
    add_nav(app, "alerts.index", _l("Emergency alerts"))
    add_panel(app, "dashboard", dashboard_widget)

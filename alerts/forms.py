"""Forms of the alert pages: raising an alert of any level, and the admins' rule tables."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from alerts.models import AreaMatch, EndReason, Level, Severity
from signage.forms import FlaskForm, language_form, select_choices
from signage.languages import REQUIRED, Language

LEVEL_LABELS = {
    Level.EMERGENCY.value: _l("Emergency alert"),
    Level.ANNOUNCEMENT.value: _l("Urgent official announcement"),
    Level.CORRECTION.value: _l("Correction of false information"),
}

SEVERITY_LABELS = {
    Severity.EXTREME.value: _l("Extreme — danger to life"),
    Severity.SEVERE.value: _l("Severe"),
    Severity.MODERATE.value: _l("Moderate"),
}

END_REASON_LABELS = {
    EndReason.CANCELLED.value: _l("cancelled"),
    EndReason.EXPIRED.value: _l("expired"),
    EndReason.REPLACED.value: _l("replaced by an update"),
}

MATCH_LABELS = {AreaMatch.GEOCODE.value: _l("CAP geocode value"), AreaMatch.NAME.value: _l("CAP area name")}


class AlertForm(FlaskForm):
    level = SelectField(_l("Kind"), choices=select_choices(LEVEL_LABELS.items()), default=Level.EMERGENCY.value)
    region_id = SelectField(_l("Raised for region"), coerce=int, validators=[DataRequired()])
    severity = SelectField(_l("Severity"), choices=select_choices(SEVERITY_LABELS.items()),
                           default=Severity.SEVERE.value)
    # message_<code> per configured language: `alert_form()` adds them (`message_field`)
    target_regions = SelectMultipleField(_l("Regions (every screen inside)"), coerce=int)
    target_groups = SelectMultipleField(_l("Screen groups"), coerce=int)
    target_screens = SelectMultipleField(_l("Single screens"), coerce=int)
    duration_min = IntegerField(_l("Stays on air for (minutes)"), validators=[Optional(), NumberRange(1, 7 * 24 * 60)])
    send_sms = BooleanField(_l("Also send this text by SMS to the people in the area"))
    sms_regions = SelectMultipleField(_l("SMS to these regions (empty: the regions of the targeted screens)"),
                                      coerce=int)
    confirm = BooleanField(_l("I confirm: every targeted screen switches to this message now."))


def message_field(lang: Language):
    if lang.code == REQUIRED:
        return TextAreaField(_l("Message (Vietnamese)"), validators=[DataRequired(), Length(max=500)])
    return TextAreaField(_l("Message (%(language)s)", language=lang.label), validators=[Optional(), Length(max=500)])


def alert_form() -> AlertForm:
    """The alert form with a message field per configured language (`CONTENT_LANGUAGES`), "vi" required."""
    return language_form(AlertForm, message=message_field)()


class AreaMappingForm(FlaskForm):
    match = SelectField(_l("CAP field"), choices=select_choices(MATCH_LABELS.items()),
                        default=AreaMatch.GEOCODE.value)
    value = StringField(_l("Value in the CAP message"), validators=[DataRequired(), Length(max=200)])
    region_id = SelectField(_l("Our region"), coerce=int, validators=[DataRequired()])


class SmsRuleForm(FlaskForm):
    severity = SelectField(_l("Severity"), choices=select_choices(
        [("any", _l("Any severity")), *SEVERITY_LABELS.items()]), default="any")
    region_id = SelectField(_l("Region (every alert inside it)"), coerce=int)
    send_sms = BooleanField(_l("Send SMS"))


class RegionRuleForm(FlaskForm):
    region_id = SelectField(_l("Region"), coerce=int, validators=[DataRequired()])
    two_person = BooleanField(_l("A second person confirms every emergency raised here"))

"""WTForms of the SMS package (CSRF comes with FlaskForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from signage.forms import FlaskForm, language_choices, language_form, select_choices
from signage.languages import REQUIRED, Language
from signage.theme_forms import ThemesField
from sms.schedule import ScheduleMode, parse_hhmm

KIND_CHOICES = [
    ("promotional", _l("Promotional")),
    ("public_service", _l("Public service")),
    ("emergency", _l("Emergency")),
]
CONTACT_KINDS = [("tourist", _l("Tourist")), ("resident", _l("Resident"))]
SCHEDULE_MODES = [
    (ScheduleMode.NOW.value, _l("Now (after approval)")),
    (ScheduleMode.AT.value, _l("At a date and time")),
    (ScheduleMode.RECURRING.value, _l("Recurring (weekdays at a time)")),
    (ScheduleMode.ARRIVAL.value, _l("Relative to each tourist's arrival")),
]
WEEKDAYS = [("0", _l("Mon")), ("1", _l("Tue")), ("2", _l("Wed")), ("3", _l("Thu")), ("4", _l("Fri")),
            ("5", _l("Sat")), ("6", _l("Sun"))]


def time_of_day(form, field) -> None:
    """An "HH:MM" the schedule can read (sms.schedule.parse_hhmm), refused here rather than at dispatch."""
    try:
        parse_hhmm(field.data)
    except ValueError:
        raise ValidationError(_l("Time of day (HH:MM)")) from None


class LanguageChoices(FlaskForm):
    """A form whose `language` / `audience_languages` select offers the configured languages."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("language", "audience_languages"):
            if name in self:
                self[name].choices = language_choices()


class JoinForm(LanguageChoices):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=40)])
    language = SelectField(_l("Language"))
    consent = BooleanField(_l("I agree"), validators=[DataRequired(_l("Please tick the box to agree."))])


class ConfirmForm(FlaskForm):
    code = StringField(_l("Code from the SMS"), validators=[DataRequired(), Length(min=4, max=10)])


class CampaignForm(LanguageChoices):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    region_id = SelectField(_l("Region"), coerce=int)
    kind = SelectField(_l("Kind"), choices=select_choices(KIND_CHOICES))
    # message_<code> per configured language: `campaign_form()` adds them (`message_field`)
    event = StringField(_l("Event (the {event} variable)"), validators=[Optional(), Length(max=200)])
    audience_kinds = SelectMultipleField(_l("Audience"), choices=select_choices(CONTACT_KINDS), validators=[Optional()])
    audience_regions = SelectMultipleField(_l("Regions (with everything under them)"), coerce=int,
                                           validators=[Optional()])
    audience_languages = SelectMultipleField(_l("Languages"), validators=[Optional()])
    audience_tags = StringField(_l("Tags (comma-separated, any of)"), validators=[Optional(), Length(max=500)])
    present_on = DateField(_l("Tourists present on"), validators=[Optional()])
    schedule_mode = SelectField(_l("Send"), choices=select_choices(SCHEDULE_MODES))
    send_at = DateTimeLocalField(_l("Send at"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    weekdays = SelectMultipleField(_l("Weekdays"), choices=select_choices(WEEKDAYS), validators=[Optional()])
    send_time = StringField(_l("Time of day (HH:MM)"), default="09:00",
                            validators=[Optional(), Length(max=5), time_of_day])
    offset_days = IntegerField(_l("Days after arrival"), default=1,
                               validators=[Optional(), NumberRange(min=0, max=60)])
    valid_from = DateTimeLocalField(_l("Valid from"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    valid_until = DateTimeLocalField(_l("Valid until"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    use_unaccented = BooleanField(_l("Send Vietnamese without diacritics (fewer segments)"))
    themes = ThemesField()


def message_field(lang: Language):
    if lang.code == REQUIRED:
        return TextAreaField(_l("Message (Vietnamese, required)"), validators=[DataRequired()])
    return TextAreaField(_l("Message (%(language)s)", language=lang.label), validators=[Optional()])


def campaign_form(**kwargs) -> CampaignForm:
    """The campaign form with a message field per configured language (`CONTENT_LANGUAGES`), "vi" required."""
    return language_form(CampaignForm, message=message_field)(**kwargs)


class ContactForm(LanguageChoices):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    language = SelectField(_l("Language"))
    kind = SelectField(_l("Kind"), choices=select_choices(CONTACT_KINDS))
    region_id = SelectField(_l("Region"), coerce=int)
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=500)])
    arrival_date = DateField(_l("Arrival"), validators=[Optional()])
    departure_date = DateField(_l("Departure"), validators=[Optional()])
    consent_text = TextAreaField(_l("Consent given (what the person agreed to, and how)"), validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class SuppressionForm(FlaskForm):
    list_name = StringField(_l("List"), default="national-dnc", validators=[DataRequired(), Length(max=80)])
    file = FileField(_l("CSV or TXT file of numbers"), validators=[FileRequired()])


class ReplyForm(FlaskForm):
    body = StringField(_l("Reply"), validators=[DataRequired(), Length(max=160)])

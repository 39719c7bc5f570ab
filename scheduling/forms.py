"""Operator forms for playlists, schedule entries and default playlists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from signage.forms import FlaskForm, select_choices
from signage.theme_forms import ThemesField

HHMM = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message=_l("Use HH:MM, e.g. 06:00."))
WEEKDAYS = [(0, _l("Mon")), (1, _l("Tue")), (2, _l("Wed")), (3, _l("Thu")), (4, _l("Fri")), (5, _l("Sat")),
            (6, _l("Sun"))]
RECURRENCES = [("daily", _l("Every ticked weekday")), ("monthly", _l("Monthly, on the start date's day")),
               ("yearly", _l("Yearly, on the start date")),
               ("lunar_monthly", _l("Every lunar month, on the start date's lunar day (e.g. mùng 1, rằm)")),
               ("lunar_yearly", _l("Yearly, on the start date's lunar date (e.g. Tết, Trung thu)"))]


FITS = [("", _l("Automatic: fill the screen when the shapes match, else the whole picture")),
        ("cover", _l("Fill the screen (crops a picture of another shape)")),
        ("contain", _l("The whole picture, over a blurred copy of it")),
        ("pillarbox", _l("The whole picture, between black bars"))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlaylistForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    region_id = SelectField(_l("Owner region"), coerce=int)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    themes = ThemesField(description=_l("Every item of the playlist carries them too."))


class PlaylistItemForm(FlaskForm):
    item = SelectField(_l("Content or playlist"), validators=[DataRequired()])
    duration_s = FloatField(_l("Duration (seconds, empty = the content's own)"),
                            validators=[Optional(), NumberRange(min=1, max=3600)])
    valid_from = DateTimeLocalField(_l("Valid from"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    valid_until = DateTimeLocalField(_l("Valid until"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    fit = SelectField(_l("On a screen of another shape"), choices=select_choices(FITS), default="")

    def validate_valid_until(self, field):
        if field.data and self.valid_from.data and field.data <= self.valid_from.data:
            raise ValidationError(_l("Must be after 'valid from'."))


class EntryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    region_id = SelectField(_l("Owner region"), coerce=int)
    playlist_id = SelectField(_l("Playlist"), coerce=int)
    screens = SelectMultipleField(_l("Screens"), coerce=int)
    groups = SelectMultipleField(_l("Screen groups"), coerce=int)
    regions = SelectMultipleField(_l("Whole regions"), coerce=int)
    start_date = DateField(_l("From"), validators=[DataRequired()])
    end_date = DateField(_l("Until (empty = open-ended)"), validators=[Optional()])
    days = MultiCheckboxField(_l("Days of week"), coerce=int, choices=select_choices(WEEKDAYS))
    daypart_start = StringField(_l("Day part from (HH:MM)"), validators=[Optional(), HHMM])
    daypart_end = StringField(_l("Day part to (HH:MM, before 'from' = overnight)"), validators=[Optional(), HHMM])
    recurrence = SelectField(_l("Recurrence"), choices=select_choices(RECURRENCES))
    priority = IntegerField(_l("Priority (higher wins)"), default=50, validators=[NumberRange(min=0, max=100)])
    max_plays_per_hour = IntegerField(_l("Max plays per hour (empty = no limit)"),
                                      validators=[Optional(), NumberRange(min=1, max=3600)])
    enabled = BooleanField(_l("Enabled"), default=True)
    themes = ThemesField(description=_l("They apply to everything the entry plays."))

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("Must not be before the start date."))

    def validate_daypart_end(self, field):
        if bool(field.data) != bool(self.daypart_start.data):
            raise ValidationError(_l("Give both ends of the day part, or neither."))

    def validate_days(self, field):
        if not field.data:
            raise ValidationError(_l("Tick at least one day."))


class DefaultPlaylistForm(FlaskForm):
    playlist_id = SelectField(_l("Default playlist (plays whenever nothing is scheduled)"), coerce=int)

"""WTForms for the core operator UI (CSRF comes with FlaskForm)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from signage.models import ScreenKind

KIND_LABELS = {
    ScreenKind.LCD.value: _l("LCD screen"),
    ScreenKind.LED.value: _l("LED board"),
    ScreenKind.TICKER.value: _l("Running-text strip"),
}
ORIENTATIONS = [("landscape", _l("Landscape")), ("portrait", _l("Portrait"))]
CONTENT_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English"), ("ru", "Русский"), ("zh", "中文"), ("ko", "한국어")]


def select_choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms wants (it deprecates tuples).

    Values and labels are passed through untouched: int values still work with ``coerce=int``, and lazy
    labels (``_l(...)``) stay lazy, so they are translated when the field renders."""
    return [SelectChoice(value, label) for value, label in pairs]


def split_tags(raw: str) -> list[str]:
    seen: list[str] = []
    for tag in (t.strip().lower() for t in raw.replace(";", ",").split(",")):
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in"))


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80), Regexp(r"^[A-Za-z0-9_.-]+$")])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"), choices=select_choices(
            [("operator", _l("Operator")), ("approver", _l("Approver")), ("admin", _l("Administrator"))]
        ),
    )
    region_id = SelectField(_l("Region"), coerce=int)
    password = PasswordField(_l("New password"), validators=[Optional(), Length(min=8, max=200)])
    active = BooleanField(_l("Active"), default=True)


class ScreenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    region_id = SelectField(_l("Region"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=select_choices(KIND_LABELS.items()))
    width = IntegerField(_l("Width (px)"), default=1920, validators=[DataRequired(), NumberRange(16, 16384)])
    height = IntegerField(_l("Height (px)"), default=1080, validators=[DataRequired(), NumberRange(16, 16384)])
    orientation = SelectField(_l("Orientation"), choices=select_choices(ORIENTATIONS))
    languages = SelectMultipleField(
        _l("Languages to rotate"), choices=select_choices(CONTENT_LANGUAGES), default=["vi"]
    )
    tags = StringField(_l("Tags (comma separated)"), validators=[Optional(), Length(max=500)])
    organisation = StringField(_l("Operating organisation"), validators=[Optional(), Length(max=200)])
    location = TextAreaField(_l("Location"), validators=[Optional(), Length(max=2000)])
    poll_interval = IntegerField(
        _l("Poll interval (seconds)"), default=30, validators=[DataRequired(), NumberRange(5, 3600)]
    )

    def validate_languages(self, field) -> None:
        if not field.data:
            field.data = ["vi"]


class RegionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64), Regexp(r"^[A-Za-z0-9_.-]+$")])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent_id = SelectField(_l("Parent region"), coerce=int)
    #: Only on the edit page of an admin above the region (regions_views.can_grant_self_approval).
    allow_self_approval = BooleanField(_l("One-person centre: its approvers may approve their own submissions"))


class ScreenGroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    region_id = SelectField(_l("Owner region"), coerce=int)
    dynamic = BooleanField(_l("Dynamic (by tag and region)"))
    members = SelectMultipleField(_l("Screens (static group)"), coerce=int)
    rule_tags = StringField(_l("Tags (any of, dynamic group)"), validators=[Optional(), Length(max=500)])
    rule_region_id = SelectField(_l("Region (dynamic group)"), coerce=int)

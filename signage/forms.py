"""WTForms for the core operator UI, and the form base every package's forms derive from.

`FlaskForm` here is Flask-WTF's (CSRF included) with the boundary cleaning of `signage.text` on every text
field (StringField and its kinds, TextAreaField; not passwords, which are compared as typed): NFC, control
characters stripped. Packages import it instead of Flask-WTF's (tests/signage/test_text.py holds that)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import flask_wtf
from flask_babel import lazy_gettext as _l
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
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from signage import languages, text
from signage.languages import Language
from signage.models import ScreenKind

KIND_LABELS = {
    ScreenKind.LCD.value: _l("LCD screen"),
    ScreenKind.LED.value: _l("LED board"),
    ScreenKind.TICKER.value: _l("Running-text strip"),
}
ORIENTATIONS = [("landscape", _l("Landscape")), ("portrait", _l("Portrait"))]


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form with `signage.text` cleaning first among every text field's filters."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                cleaning = text.wtforms_filter(multiline=issubclass(field_class, TextAreaField))
                options = {**options, "filters": (cleaning, *unbound_field.kwargs.get("filters", ()))}
            return unbound_field.bind(form=form, **options)


FormType = TypeVar("FormType", bound=type[FlaskForm])
FieldMaker = Callable[[Language], UnboundField]


def select_choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms wants (it deprecates tuples).

    Values and labels are passed through untouched: int values still work with ``coerce=int``, and lazy
    labels (``_l(...)``) stay lazy, so they are translated when the field renders."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_choices() -> list[SelectChoice]:
    """The configured languages (`CONTENT_LANGUAGES`) by native name, "vi" first, for a select."""
    return select_choices(languages.native_names().items())


def language_form(base: FormType, **makers: FieldMaker) -> FormType:
    """`base` with one field `<name>_<code>` per configured language for each `name=maker`, made by
    `maker(language)`; the base's fields of that name for languages not configured are removed. The class
    carries `language_codes`. One class per base, makers and configured languages (cached): call it per
    request, with module-level makers."""
    return _language_form(base, tuple(makers.items()), languages.configured_codes())


@functools.cache
def _language_form(base: FormType, makers: tuple[tuple[str, FieldMaker], ...], codes: tuple[str, ...]) -> FormType:
    attrs: dict[str, Any] = {"language_codes": codes}
    for name, make in makers:
        attrs.update({f"{name}_{code}": None for code in languages.KNOWN if code not in codes})
        attrs.update({f"{name}_{code}": make(languages.get(code)) for code in codes})
    return type(base.__name__, (base,), attrs)


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
    languages = SelectMultipleField(_l("Languages to rotate"), default=["vi"])  # choices: the configured ones
    tags = StringField(_l("Tags (comma separated)"), validators=[Optional(), Length(max=500)])
    organisation = StringField(_l("Operating organisation"), validators=[Optional(), Length(max=200)])
    location = TextAreaField(_l("Location"), validators=[Optional(), Length(max=2000)])
    poll_interval = IntegerField(
        _l("Poll interval (seconds)"), default=30, validators=[DataRequired(), NumberRange(5, 3600)]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.languages.choices = language_choices()

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

"""Forms for themes: the theme editor (admins and approvers) and the one themes multi-select that the slide,
ticker, playlist, schedule entry and SMS campaign forms share (`ThemesField`, filled by `fill_theme_choices`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional, Regexp

from signage.forms import FlaskForm, select_choices
from signage.models import Region
from signage.themes import theme_choices, themes_of

COLOUR = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour like #0b6bcb."))


class ThemesField(SelectMultipleField):
    """Zero or more theme ids; choices come from `fill_theme_choices`."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label or _l("Themes"), coerce=int, validators=[Optional()], **kwargs)


def fill_theme_choices(field: ThemesField, region: Region, item_type: str | None = None,
                       item_id: int | None = None) -> None:
    """The themes someone working in `region` may tag with, plus the item's own tags (editing never drops a
    tag the editor cannot see). Only these validate: a posted id of another district's theme is refused."""
    stored = themes_of(item_type, [item_id]).get(item_id, []) if item_type and item_id else []
    field.choices = select_choices(theme_choices(region, stored))


class ThemeForm(FlaskForm):
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    region_id = SelectField(_l("Offered to the region (and everything under it)"), coerce=int)
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("Until (empty = open-ended)"), validators=[Optional()])
    colour = StringField(_l("Colour in charts"), default="#0b6bcb", validators=[DataRequired(), COLOUR])
    is_main = BooleanField(_l("The year's main theme"))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("Must not be before the start date."))

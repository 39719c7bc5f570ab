"""Forms of the reports: a target (indicator, region, period, optional theme, value) and an API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from signage.forms import FlaskForm, select_choices

PERIOD_KINDS = [("year", _l("Year")), ("quarter", _l("Quarter")), ("month", _l("Month"))]


class TargetForm(FlaskForm):
    indicator = SelectField(_l("Indicator"))
    region_id = SelectField(_l("Region"), coerce=int)
    theme_id = SelectField(_l("Theme"), coerce=int, default=0)
    period = SelectField(_l("Period"), choices=select_choices(PERIOD_KINDS), default="year")
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    number = IntegerField(_l("Quarter or month (1–4, 1–12)"), validators=[Optional(), NumberRange(1, 12)])
    value = FloatField(_l("Target value"), validators=[DataRequired(message=_l("Give a number.")),
                                                       NumberRange(min=0)])

    def period_args(self) -> dict[str, str]:
        args = {"period": self.period.data, "year": str(self.year.data)}
        if self.period.data in ("quarter", "month"):
            args[self.period.data] = str(self.number.data or 1)
        return args


class TokenForm(FlaskForm):
    name = StringField(_l("Who uses it (e.g. the provincial portal)"), validators=[DataRequired(), Length(max=200)])
    region_id = SelectField(_l("Region it may read"), coerce=int)

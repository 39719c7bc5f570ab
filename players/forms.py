"""Operator forms of the player side."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from signage.forms import FlaskForm


class ClaimForm(FlaskForm):
    code = StringField(_l("Code shown on the screen"), validators=[DataRequired(), Length(min=6, max=12)])

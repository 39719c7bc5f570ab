"""Forms of the fleet's admin page: a region's technicians and a region's incident rules.

A technician is told by email, by SMS, or both: an email address is needed unless SMS is chosen, and SMS needs
a valid mobile number (sms.phones), kept in its E.164 form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from signage.forms import FlaskForm
from sms.phones import InvalidPhone, normalize_phone

RULE_LABELS = {
    "offline_min": _l("Offline for more than (minutes)"),
    "stale_min": _l("Old programme for more than (minutes)"),
    "black_min": _l("Playing nothing for (minutes)"),
    "asset_errors": _l("Missing or corrupt assets (count)"),
    "storage_min_mb": _l("Free storage below (MB)"),
    "clock_drift_s": _l("Clock off by more than (seconds)"),
}


class TechnicianForm(FlaskForm):
    user_id = SelectField(_l("Account"), coerce=int, validators=[DataRequired()])
    region_id = SelectField(_l("Region"), coerce=int, validators=[DataRequired()])
    email = StringField(_l("Email"), validators=[
        Optional(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not an email address."))])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    notify_sms = BooleanField(_l("Text by SMS"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.notify_sms.data:
            try:
                self.phone.data = normalize_phone(self.phone.data or "")
            except InvalidPhone:
                self.phone.errors.append(_l("SMS needs a valid mobile number, e.g. 0912 345 678 or +84 912 345 678."))
                valid = False
        elif not (self.email.data or "").strip():
            self.email.errors.append(_l("Give an email address, or choose SMS."))
            valid = False
        return valid


class RuleForm(FlaskForm):
    region_id = SelectField(_l("Region"), coerce=int, validators=[DataRequired()])
    offline_min = IntegerField(RULE_LABELS["offline_min"], validators=[Optional(), NumberRange(0, 100_000)])
    stale_min = IntegerField(RULE_LABELS["stale_min"], validators=[Optional(), NumberRange(0, 100_000)])
    black_min = IntegerField(RULE_LABELS["black_min"], validators=[Optional(), NumberRange(0, 100_000)])
    asset_errors = IntegerField(RULE_LABELS["asset_errors"], validators=[Optional(), NumberRange(0, 100_000)])
    storage_min_mb = IntegerField(RULE_LABELS["storage_min_mb"], validators=[Optional(), NumberRange(0, 10_000_000)])
    clock_drift_s = IntegerField(RULE_LABELS["clock_drift_s"], validators=[Optional(), NumberRange(0, 100_000)])

"""Forms of the slide composer and the ticker editor. Every text is cleaned by the form base
(`signage.forms.FlaskForm`: NFC, no control characters) and stripped of surrounding whitespace here.

Text fields come one per configured language (`CONTENT_LANGUAGES`): `slide_form()` and `ticker_form()` build
them (`signage.forms.language_form`); "vi" is required."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from content.models import SlideTemplate
from signage.forms import FlaskForm, language_form, select_choices
from signage.languages import REQUIRED, Language
from signage.theme_forms import ThemesField

TEMPLATE_LABELS = {
    SlideTemplate.TITLE_BODY.value: _l("Title and body"),
    SlideTemplate.IMAGE_CAPTION.value: _l("Image with caption"),
    SlideTemplate.FULLBLEED_QR.value: _l("Full-screen image with QR badge"),
    SlideTemplate.ANNOUNCEMENT.value: _l("Announcement"),
    SlideTemplate.EMERGENCY.value: _l("Emergency (high-contrast red)"),
}
SLIDE_FIELDS = ("title", "body", "caption")
COLOUR = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("A colour like #ffcc00."))


def stripped(value: str | None) -> str:
    """A slide's or ticker's text without surrounding whitespace (a blank field is "", not None)."""
    return (value or "").strip()


def http_url(form, field) -> None:
    value = (field.data or "").strip()
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Only http:// or https:// addresses are allowed."))


class SlideForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)], filters=[stripped])
    region_id = SelectField(_l("Region"), coerce=int)
    template = SelectField(_l("Template"), choices=select_choices(TEMPLATE_LABELS.items()))
    media_id = SelectField(_l("Image"), coerce=int, default=0)
    qr_url = StringField(_l("QR code target (https://…)"), validators=[Optional(), Length(max=1000), http_url],
                         filters=[stripped])
    duration_s = IntegerField(_l("Duration (seconds)"), default=10, validators=[DataRequired(), NumberRange(2, 3600)])
    themes = ThemesField()  # reports count airtime and scans per theme; changing them needs no new approval
    #: the mark of the slide's theme (its main one, else the first) on the slide, as approved
    theme_mark = BooleanField(_l("Show the theme's mark on the slide"), default=False)
    #: title_<code>, body_<code>, caption_<code> per configured language: see `slide_form`.
    language_codes: tuple[str, ...] = ()

    def texts(self) -> dict:
        return {f: {lang: getattr(self, f"{f}_{lang}").data or "" for lang in self.language_codes
                    if getattr(self, f"{f}_{lang}").data} for f in SLIDE_FIELDS}

    def load_texts(self, texts: dict) -> None:
        for f in SLIDE_FIELDS:
            for lang in self.language_codes:
                getattr(self, f"{f}_{lang}").data = (texts.get(f) or {}).get(lang, "")


def _slide_title(lang: Language):
    if lang.code == REQUIRED:
        return StringField(_l("Title (Vietnamese, required)"), validators=[DataRequired(), Length(max=300)],
                           filters=[stripped])
    return StringField(_l("Title"), validators=[Length(max=300)], filters=[stripped])


def _slide_body(lang: Language):
    return TextAreaField(_l("Body"), validators=[Length(max=2000)], filters=[stripped])


def _slide_caption(lang: Language):
    return StringField(_l("Caption"), validators=[Length(max=500)], filters=[stripped])


def slide_form(**kwargs) -> SlideForm:
    """A slide form with title, body and caption fields for each configured language."""
    return language_form(SlideForm, title=_slide_title, body=_slide_body, caption=_slide_caption)(**kwargs)


class TickerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)], filters=[stripped])
    region_id = SelectField(_l("Region"), coerce=int)
    #: text_<code> per configured language: see `ticker_form`.
    language_codes: tuple[str, ...] = ()
    speed_px_s = IntegerField(_l("Speed (pixels per second)"), default=80,
                              validators=[DataRequired(), NumberRange(10, 1000)])
    fg = StringField(_l("Text colour"), default="#ffd400", validators=[DataRequired(), COLOUR])
    bg = StringField(_l("Background colour"), default="#000000", validators=[DataRequired(), COLOUR])
    valid_from = DateTimeLocalField(_l("Valid from (local time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    valid_until = DateTimeLocalField(_l("Valid until (local time)"), validators=[Optional()],
                                     format="%Y-%m-%dT%H:%M")
    duration_s = IntegerField(_l("Duration (seconds)"), default=30, validators=[DataRequired(), NumberRange(5, 3600)])
    themes = ThemesField()

    def validate_valid_until(self, field) -> None:
        if field.data and self.valid_from.data and field.data <= self.valid_from.data:
            raise ValidationError(_l("The end must be after the start."))

    def texts(self) -> dict:
        return {lang: getattr(self, f"text_{lang}").data for lang in self.language_codes
                if getattr(self, f"text_{lang}").data}

    def load_texts(self, texts: dict) -> None:
        for lang in self.language_codes:
            getattr(self, f"text_{lang}").data = texts.get(lang, "")


def _ticker_text(lang: Language):
    if lang.code == REQUIRED:
        return TextAreaField(_l("Text (Vietnamese, required)"), validators=[DataRequired(), Length(max=1000)],
                             filters=[stripped])
    return TextAreaField(lang.native_name, validators=[Length(max=1000)], filters=[stripped])


def ticker_form(**kwargs) -> TickerForm:
    """A ticker form with a text field for each configured language."""
    return language_form(TickerForm, text=_ticker_text)(**kwargs)

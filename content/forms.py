"""Forms of the slide composer and the ticker editor. Every text is normalised to NFC."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from content.models import CONTENT_LANGUAGES, SlideTemplate
from signage.forms import select_choices

LANGUAGE_LABELS = {"vi": "Tiếng Việt", "en": "English", "ru": "Русский", "zh": "中文", "ko": "한국어"}
TEMPLATE_LABELS = {
    SlideTemplate.TITLE_BODY.value: _l("Title and body"),
    SlideTemplate.IMAGE_CAPTION.value: _l("Image with caption"),
    SlideTemplate.FULLBLEED_QR.value: _l("Full-screen image with QR badge"),
    SlideTemplate.ANNOUNCEMENT.value: _l("Announcement"),
    SlideTemplate.EMERGENCY.value: _l("Emergency (high-contrast red)"),
}
SLIDE_FIELDS = ("title", "body", "caption")
COLOUR = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("A colour like #ffcc00."))


def nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").strip()


def http_url(form, field) -> None:
    value = (field.data or "").strip()
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Only http:// or https:// addresses are allowed."))


class SlideForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)], filters=[nfc])
    region_id = SelectField(_l("Region"), coerce=int)
    template = SelectField(_l("Template"), choices=select_choices(TEMPLATE_LABELS.items()))
    media_id = SelectField(_l("Image"), coerce=int, default=0)
    qr_url = StringField(_l("QR code target (https://…)"), validators=[Optional(), Length(max=1000), http_url],
                         filters=[nfc])
    duration_s = IntegerField(_l("Duration (seconds)"), default=10, validators=[DataRequired(), NumberRange(2, 3600)])
    title_vi = StringField(_l("Title (Vietnamese, required)"), validators=[DataRequired(), Length(max=300)],
                           filters=[nfc])
    body_vi = TextAreaField(_l("Body"), validators=[Length(max=2000)], filters=[nfc])
    caption_vi = StringField(_l("Caption"), validators=[Length(max=500)], filters=[nfc])
    title_en = StringField(_l("Title"), validators=[Length(max=300)], filters=[nfc])
    body_en = TextAreaField(_l("Body"), validators=[Length(max=2000)], filters=[nfc])
    caption_en = StringField(_l("Caption"), validators=[Length(max=500)], filters=[nfc])
    title_ru = StringField(_l("Title"), validators=[Length(max=300)], filters=[nfc])
    body_ru = TextAreaField(_l("Body"), validators=[Length(max=2000)], filters=[nfc])
    caption_ru = StringField(_l("Caption"), validators=[Length(max=500)], filters=[nfc])
    title_zh = StringField(_l("Title"), validators=[Length(max=300)], filters=[nfc])
    body_zh = TextAreaField(_l("Body"), validators=[Length(max=2000)], filters=[nfc])
    caption_zh = StringField(_l("Caption"), validators=[Length(max=500)], filters=[nfc])
    title_ko = StringField(_l("Title"), validators=[Length(max=300)], filters=[nfc])
    body_ko = TextAreaField(_l("Body"), validators=[Length(max=2000)], filters=[nfc])
    caption_ko = StringField(_l("Caption"), validators=[Length(max=500)], filters=[nfc])

    def texts(self) -> dict:
        return {f: {lang: getattr(self, f"{f}_{lang}").data or "" for lang in CONTENT_LANGUAGES
                    if getattr(self, f"{f}_{lang}").data} for f in SLIDE_FIELDS}

    def load_texts(self, texts: dict) -> None:
        for f in SLIDE_FIELDS:
            for lang in CONTENT_LANGUAGES:
                getattr(self, f"{f}_{lang}").data = (texts.get(f) or {}).get(lang, "")


class TickerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)], filters=[nfc])
    region_id = SelectField(_l("Region"), coerce=int)
    text_vi = TextAreaField(_l("Text (Vietnamese, required)"), validators=[DataRequired(), Length(max=1000)],
                            filters=[nfc])
    text_en = TextAreaField("English", validators=[Length(max=1000)], filters=[nfc])
    text_ru = TextAreaField("Русский", validators=[Length(max=1000)], filters=[nfc])
    text_zh = TextAreaField("中文", validators=[Length(max=1000)], filters=[nfc])
    text_ko = TextAreaField("한국어", validators=[Length(max=1000)], filters=[nfc])
    speed_px_s = IntegerField(_l("Speed (pixels per second)"), default=80,
                              validators=[DataRequired(), NumberRange(10, 1000)])
    fg = StringField(_l("Text colour"), default="#ffd400", validators=[DataRequired(), COLOUR])
    bg = StringField(_l("Background colour"), default="#000000", validators=[DataRequired(), COLOUR])
    valid_from = DateTimeLocalField(_l("Valid from (local time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    valid_until = DateTimeLocalField(_l("Valid until (local time)"), validators=[Optional()],
                                     format="%Y-%m-%dT%H:%M")
    duration_s = IntegerField(_l("Duration (seconds)"), default=30, validators=[DataRequired(), NumberRange(5, 3600)])

    def validate_valid_until(self, field) -> None:
        if field.data and self.valid_from.data and field.data <= self.valid_from.data:
            raise ValidationError(_l("The end must be after the start."))

    def texts(self) -> dict:
        return {lang: getattr(self, f"text_{lang}").data for lang in CONTENT_LANGUAGES
                if getattr(self, f"text_{lang}").data}

"""Demo content: two approved slides from the demo announcements (in the configured languages the province
file has: vi/en/ru in the demo) and an approved ticker, so a fresh `make run` shows something on the screens.
Idempotent."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from content.models import Slide, Ticker
from content.workflow import snapshot
from signage.approval import ApprovalState
from signage.extensions import db
from signage.languages import configured_codes
from signage.models import Region, Screen
from signage.timeutil import utcnow

DEMO_QR_URL = "https://binhthuan.gov.vn/"


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value or "")


def _approve(item) -> None:
    item.approval_state = ApprovalState.APPROVED.value
    item.submitted_at = item.reviewed_at = utcnow()
    item.review_comment = "demo"
    snap = snapshot(item)
    item.on_air, item.on_air_version = snap, snap["version"]


def load_demo_content(data: dict) -> dict[str, int]:
    province = db.session.scalar(select(Region).where(Region.parent_id.is_(None)).order_by(Region.id))
    if province is None:
        return {}
    created = {"slides": 0, "tickers": 0}
    templates = ["title_body", "announcement"]
    for index, item in enumerate((data.get("announcements") or [])[:2]):
        name = _nfc(item["vi"]["title"])
        if db.session.scalar(select(Slide.id).where(Slide.region_id == province.id, Slide.name == name)):
            continue
        texts: dict[str, dict[str, str]] = {"title": {}, "body": {}}
        for lang in configured_codes():
            if lang in item:
                texts["title"][lang] = _nfc(item[lang].get("title", ""))
                texts["body"][lang] = _nfc(item[lang].get("body", ""))
        slide = Slide(region_id=province.id, name=name, template=templates[index % 2], texts=texts,
                      qr_url=DEMO_QR_URL if index == 0 else "", duration_s=10)
        _approve(slide)
        db.session.add(slide)
        created["slides"] += 1
    ticker_name = "Chào mừng (chạy chữ)"
    if not db.session.scalar(select(Ticker.id).where(Ticker.region_id == province.id, Ticker.name == ticker_name)):
        first = (data.get("announcements") or [{}])[0]
        texts = {lang: _nfc(f"{first[lang]['title']} — {first[lang]['body']}") for lang in configured_codes()
                 if lang in first}
        ticker = Ticker(region_id=province.id, name=ticker_name, texts=texts, speed_px_s=80)
        _approve(ticker)
        db.session.add(ticker)
        created["tickers"] += 1
    db.session.commit()
    _render_demo_slides(province)
    return created


def _render_demo_slides(province: Region) -> None:
    """Render the demo slides for every demo screen now, so the first manifest finds them."""
    from content import jobs
    from content.rendering import slide_languages

    screens = db.session.scalars(select(Screen).where(Screen.retired_at.is_(None))).all()
    slides = db.session.scalars(select(Slide).where(Slide.region_id == province.id, Slide.on_air.is_not(None)))
    for slide in slides:
        langs = slide_languages(slide.on_air)
        for screen in screens:
            for lang in [lang for lang in screen.languages or ["vi"] if lang in langs] or ["vi"]:
                jobs.render_slide(slide.id, screen.width, screen.height, lang,
                                  screen.id if slide.on_air.get("qr_url") else None, announce=False)

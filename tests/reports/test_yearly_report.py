"""Done when: for the demo province with a generated year of data, the yearly report opens as PDF and DOCX
with totals this test recomputes on its own from the raw rows (airtime, uptime, scans, the SMS funnel and its
cost), and a district operator's report covers only their district."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, timedelta

import pytest
from docx import Document
from sqlalchemy import select

from content.models import QrScan
from players.models import PlayRecord, ScreenInterval
from reports.demo import generate
from signage.extensions import db
from signage.models import Screen
from sms.models import Message, OptOut
from tests.reports.conftest import local

YEAR = "/reports/report.{ext}?period=year&year=2025"
START, END = local(2025, 1, 1), local(2026, 1, 1)


@pytest.fixture
def year_of_data(app, demo):
    with app.app_context():
        counts = generate(365, local(2026, 1, 1, 9).astimezone(UTC), plays_per_screen_day=4, scans_per_day=3,
                          optins_per_day=1)
        assert counts["plays"] == 365 * 8 * 4 and counts["messages"] > 300
    return demo


def fmt(value: float, decimals: int = 0) -> str:
    return f"{value:,.{decimals}f}".replace(",", " ")


def expected(app, screen_ids: set[int]) -> dict[str, str]:
    """The report's totals, recomputed here from the raw rows (not from the roll-ups)."""
    with app.app_context():
        plays = [p for p in db.session.scalars(select(PlayRecord)) if p.screen_id in screen_ids
                 and START <= p.started_at < END]
        online = offline = 0.0
        for iv in db.session.scalars(select(ScreenInterval).where(ScreenInterval.screen_id.in_(screen_ids))):
            lo, hi = max(iv.started_at, START), min(iv.ended_at or END, END)
            if hi > lo:
                online += (hi - lo).total_seconds() if iv.online else 0
                offline += 0 if iv.online else (hi - lo).total_seconds()
        scans = sum(1 for s in db.session.scalars(select(QrScan)) if s.screen_id in screen_ids and START <= s.at < END)
        messages = [m for m in db.session.scalars(select(Message))
                    if START <= (m.sent_at or m.final_at or m.claimed_at) < END]
        sent = [m for m in messages if m.sent_at]
        price = app.config["SMS_PRICE_PER_SEGMENT"]
        refusals = {(o.contact_id, o.kind): o.at for o in db.session.scalars(select(OptOut))}
        opted = sum(1 for m in sent if m.sent_at <= refusals.get((m.contact_id, m.campaign.kind), START)
                    <= m.sent_at + timedelta(days=7))
        return {
            "hours": fmt(sum(p.duration_s for p in plays) / 3600, 1), "plays": fmt(len(plays)),
            "uptime": fmt(100 * online / (online + offline), 1), "scans": fmt(scans),
            "sent": fmt(len(sent)), "delivered": fmt(sum(m.state == "delivered" for m in sent)),
            "failed": fmt(sum(m.state in ("failed", "undelivered") for m in messages)),
            "segments": fmt(sum(m.segments for m in sent)), "opted": fmt(opted),
            "cost": fmt(sum(m.price if m.price is not None else m.segments * price for m in sent), 2),
        }


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def docx_text(data: bytes) -> tuple[str, list[list[str]]]:
    document = Document(io.BytesIO(data))
    text = " ".join(p.text for p in document.paragraphs).replace("\xa0", " ")
    cells = [[c.text.replace("\xa0", " ") for c in row.cells] for t in document.tables for row in t.rows]
    return re.sub(r"\s+", " ", text), cells


def test_the_yearly_report_adds_up_in_pdf_and_docx_and_a_district_gets_only_its_own(app, login, year_of_data):
    with app.app_context():
        everything = expected(app, set(db.session.scalars(select(Screen.id))))
    admin = login("admin")
    pdf = pdf_text(admin.get(YEAR.format(ext="pdf")).data)
    text, cells = docx_text(admin.get(YEAR.format(ext="docx")).data)
    for key, value in everything.items():
        assert value in pdf, (key, value)
        assert value in text, (key, value)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pdf and "Độc lập - Tự do - Hạnh phúc" in pdf
    assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in c for row in cells for c in row)
    assert "Bình Thuận, ngày" in pdf and "Nơi nhận" in pdf
    assert any("Nơi nhận" in c for row in cells for c in row)
    page = admin.get(YEAR.format(ext="pdf").replace(".pdf", "")).get_data(as_text=True)
    assert page.count("<svg") >= 4 and everything["hours"].replace(" ", "\u00a0") in page

    # the same year seen by the Hàm Tân operator: their district only (one generated year serves both checks)
    with app.app_context():
        hamtan_screens = set(db.session.scalars(select(Screen.id).join(Screen.region).where(
            Screen.region_id == year_of_data["BT-HT"].id)))
    mine = expected(app, hamtan_screens)
    text, cells = docx_text(login("hamtan").get(YEAR.format(ext="docx")).data)
    assert mine["hours"] in text and mine["scans"] in text and mine["uptime"] in text
    names = {row[0] for row in cells}
    assert "Trung tâm thị trấn Tân Nghĩa" in " ".join(names)
    assert not any("Phan Thiết" in name for name in names)
    assert "HUYỆN HÀM TÂN" in " ".join(c for row in cells for c in row)
    pdf = pdf_text(login("hamtan").get(YEAR.format(ext="pdf")).data)
    assert mine["hours"] in pdf and "Trung tâm thị trấn Tân Nghĩa" in pdf and "Bến xe Phan Thiết" not in pdf

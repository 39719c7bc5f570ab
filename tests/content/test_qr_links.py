"""Tracked QR links: signed codes per slide × screen, scans recorded, only http(s) targets, report."""

from __future__ import annotations

from sqlalchemy import func, select

from content.models import QrScan, Slide
from content.qrlinks import make_code, parse_code
from signage.extensions import db


def _on_air_slide(region_id: int, qr_url: str) -> int:
    slide = Slide(region_id=region_id, name="Hòn Rôm", texts={"title": {"vi": "Hòn Rôm"}}, qr_url=qr_url,
                  on_air={"template": "title_body", "texts": {"title": {"vi": "Hòn Rôm"}}, "media_id": None,
                          "qr_url": qr_url, "version": 1}, on_air_version=1)
    db.session.add(slide)
    db.session.commit()
    return slide.id


def test_codes_round_trip_and_forgeries_are_refused(app_ctx):
    code = make_code(42, 7)
    assert parse_code(code) == (42, 7)
    assert parse_code(make_code(42, None)) == (42, None)
    slide, screen, sig = code.split("-")
    assert parse_code(f"{slide}-8-{sig}") is None  # another screen with this signature
    assert parse_code("1-1-00000000") is None
    assert parse_code("not-a-code") is None


def test_a_scan_redirects_to_the_on_air_target_and_is_recorded(app, demo):
    with app.app_context():
        slide_id = _on_air_slide(demo["BT-PT"].id, "https://binhthuan.gov.vn/hon-rom")
        code = make_code(slide_id, 5)
    response = app.test_client().get(f"/q/{code}", headers={"User-Agent": "Mozilla/5.0"})
    assert response.status_code == 302
    assert response.headers["Location"] == "https://binhthuan.gov.vn/hon-rom"
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        scan = db.session.scalar(select(QrScan))
        assert (scan.slide_id, scan.screen_id, scan.user_agent) == (slide_id, 5, "Mozilla/5.0")


def test_a_non_http_target_is_never_redirected_to(app, demo):
    with app.app_context():
        slide_id = _on_air_slide(demo["BT-PT"].id, "javascript:alert(1)")
        code = make_code(slide_id, 5)
    assert app.test_client().get(f"/q/{code}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QrScan)) == 0


def test_a_forged_code_is_404_and_records_nothing(app, demo):
    assert app.test_client().get("/q/1-5-abcdefgh").status_code == 404


def test_the_scan_report_counts_per_screen_within_the_users_region(app, demo, login):
    with app.app_context():
        slide_id = _on_air_slide(demo["BT-PT"].id, "https://binhthuan.gov.vn/")
        codes = [make_code(slide_id, 1), make_code(slide_id, 1), make_code(slide_id, 2)]
    http = app.test_client()
    for code in codes:
        assert http.get(f"/q/{code}").status_code == 302
    report = login("phanthiet").get("/content/slides/scans").get_data(as_text=True)
    assert "Hòn Rôm" in report
    assert ">3<" in report.replace(" ", "")  # per slide
    other = login("hamtan").get("/content/slides/scans").get_data(as_text=True)
    assert "Hòn Rôm" not in other


def test_the_dashboard_shows_content_counts(app, demo, login):
    with app.app_context():
        _on_air_slide(demo["BT-PT"].id, "")
    page = login("phanthiet").get("/").get_data(as_text=True)
    assert "content-widget" in page and "<strong>1</strong>" in page

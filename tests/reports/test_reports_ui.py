"""The dashboard, exports, drill-downs and the API, scoped like everything else: a district operator sees
their district only, whatever they type into the URL."""

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from reports import rollup
from reports.models import ApiToken
from signage.extensions import db
from signage.models import Screen
from tests.reports.conftest import local, play, scan

MARCH = {"period": "month", "year": "2026", "month": "3"}


@pytest.fixture
def played(app, screens):
    """A day of plays and scans on every demo screen; the first Phan Thiết screen has a hostile name."""
    with app.app_context():
        for n, screen in enumerate(db.session.scalars(select(Screen).order_by(Screen.id))):
            play(screen.id, local(2026, 3, 10, 9), 60 + n)
            scan(screen.id, 1, local(2026, 3, 10, 19))
        db.session.get(Screen, screens["BT-PT"][0].id).name = '=HYPERLINK("http://evil","x")'
        db.session.commit()
        rollup.rollup_plays(date(2026, 3, 10))
        rollup.rollup_scans(date(2026, 3, 10))
    return screens


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_dashboard_shows_the_province_with_charts_and_numbers_that_link_to_rows(login, played):
    page = login("admin").get("/reports/?" + "&".join(f"{k}={v}" for k, v in MARCH.items())).get_data(as_text=True)
    assert page.count("<svg") >= 4
    assert "Trung tâm thị trấn Tân Nghĩa" in page and "Bến xe Phan Thiết" in page
    assert re.search(r'href="/reports/rows/plays\.csv\?[^"]*screen=', page)


def test_a_district_operator_sees_only_their_district(login, played):
    hamtan = login("hamtan")
    page = hamtan.get("/reports/?period=month&year=2026&month=3").get_data(as_text=True)
    assert "Trung tâm thị trấn Tân Nghĩa" in page and "Bến xe Phan Thiết" not in page
    rows = _csv(hamtan.get("/reports/rows/plays.csv?period=month&year=2026&month=3"))
    assert {r[1] for r in rows[1:]} == {"Trung tâm thị trấn Tân Nghĩa"}
    exported = _csv(hamtan.get("/reports/export/screens.csv?period=month&year=2026&month=3"))
    assert [r[0] for r in exported[1:]] == ["Trung tâm thị trấn Tân Nghĩa"]


def test_url_tampering_gets_a_404_in_pages_exports_drill_downs_and_the_report(login, played, demo):
    hamtan = login("hamtan")
    other = played["BT-PT"][1].id
    for url in (f"/reports/?region={demo['BT-PT'].id}", f"/reports/?region={demo['BT'].id}",
                f"/reports/?screen={other}", f"/reports/rows/plays.csv?screen={other}",
                f"/reports/rows/scans.csv?region={demo['BT-PT'].id}", f"/reports/export/screens.csv?screen={other}",
                f"/reports/report.docx?region={demo['BT'].id}", "/reports/?screen=abc"):
        assert hamtan.get(url).status_code == 404, url
    assert hamtan.get("/reports/?period=month&month=13").status_code == 400


def test_exports_escape_cells_that_look_like_formulas(login, played):
    admin = login("admin")
    rows = _csv(admin.get("/reports/export/screens.csv?period=month&year=2026&month=3"))
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in [r[0] for r in rows]
    book = load_workbook(io.BytesIO(admin.get("/reports/export/all.xlsx?period=month&year=2026&month=3").data))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if str(c.value).startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)
    assert len(book.sheetnames) >= 10


def test_targets_are_shown_against_the_actuals(login, played, demo):
    approver = login("approver")
    response = approver.post_form("/reports/targets", {
        "indicator": "plays", "region_id": demo["BT"].id, "theme_id": 0, "period": "month", "year": 2026,
        "number": 3, "value": 5})
    assert response.status_code == 302
    page = approver.get("/reports/?period=month&year=2026&month=3").get_data(as_text=True)
    table = page[page.index('id="table-targets"'):]
    assert re.search(r"5\.0</td>\s*<td[^>]*>8\.0</td>\s*<td[^>]*>✓", table)


def test_the_home_dashboard_reminds_of_the_next_deadline(app, login, monkeypatch):
    monkeypatch.setitem(app.config, "REPORTS_DEADLINES", (("monthly", "28"),))
    monkeypatch.setitem(app.config, "REPORTS_REMIND_DAYS", 40)
    assert 'data-deadline="monthly"' in login("operator").get("/").get_data(as_text=True)
    monkeypatch.setitem(app.config, "REPORTS_REMIND_DAYS", 0)


def test_the_api_answers_a_live_token_for_its_own_region_only(login, played, demo, client):
    admin = login("admin")
    page = admin.post_form("/reports/tokens", {"name": "Cổng Hàm Tân", "region_id": demo["BT-HT"].id})
    token = re.search(r'id="new-token">([^<]+)<', page.get_data(as_text=True)).group(1)
    url = "/api/reports/v1/indicators?period=month&year=2026&month=3"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer rpt_wrong"}).status_code == 401
    body = client.get(url, headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["region"]["code"] == "BT-HT"
    assert [r["screen"] for r in body["tables"]["screens"]["rows"]] == ["Trung tâm thị trấn Tân Nghĩa"]
    assert body["summary"]["plays"] == 1 and body["summary"]["scans"] == 1
    assert client.get(url + "&region=BT-PT", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert client.get(url + f"&screen={played['BT-PT'][0].id}",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 404
    with admin.app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash != token and token not in stored.token_hash
        token_id = stored.id
    admin.post_form(f"/reports/tokens/{token_id}/revoke", {}, token_from="/reports/tokens")
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_home_panels_figures_are_the_dashboards(app, played, demo):
    from reports.indicators import Scope, compute, headline
    from reports.periods import month
    from signage.timeutil import utcnow

    with app.test_request_context():
        for region in (demo["BT"], demo["BT-HT"]):
            full = compute(Scope(region), month(2026, 3), utcnow()).summary
            assert headline(region, month(2026, 3), utcnow()) == {
                k: full[k] for k in ("airtime_hours", "uptime_pct", "scans", "sms_sent")}

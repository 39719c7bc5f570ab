"""The alert history names where an alert went, not only the region that raised it (issue 12)."""

from __future__ import annotations

import re

from alerts.service import cancel_alert, raise_alert


def _history_row(html: str, message: str) -> str:
    table = html.split('id="past-alerts"', 1)[1]
    return next(row for row in table.split("<tr>") if message in row)


def test_a_province_alert_for_phan_thiet_is_listed_under_phan_thiet(app, login, demo):
    with app.app_context():
        alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Ngập ở Phan Thiết"},
                            target_region_ids=[demo["BT-PT"].id])
        cancel_alert(alert)
    row = _history_row(login("approver").get("/alerts/").get_data(as_text=True), "Ngập ở Phan Thiết")
    area = re.search(r'<td class="area">(.*?)</td>', row, re.S).group(1)
    assert area.startswith(demo["BT-PT"].name)
    assert demo["BT"].name in area  # still said, as the raiser: "(do Tỉnh Bình Thuận phát)"

"""Reports account for what went on air outside the programme (emergencies, urgent announcements,
corrections) and for every approval given under a region's one-person exception — per region subtree."""

from __future__ import annotations

import time_machine
from flask_login import login_user
from sqlalchemy import select

from alerts.service import approve_alert, raise_alert
from content.models import Ticker
from reports.indicators import Scope, compute
from reports.periods import month
from signage import approval
from signage.extensions import db
from signage.models import Role, User
from signage.timeutil import utcnow
from tests.reports.conftest import local


def _as(app, username: str):
    context = app.test_request_context()
    context.push()
    login_user(db.session.scalar(select(User).where(User.username == username)))
    return context


def test_a_correction_and_an_emergency_are_counted_in_their_district_only(app_ctx, demo):
    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        context = _as(app_ctx, "phanthiet")
        correction = raise_alert(level="correction", region_id=demo["BT-PT"].id,
                                 messages={"vi": "Cải chính: lễ hội vẫn diễn ra"}, duration_s=1800)
        context.pop()
        context = _as(app_ctx, "approver")
        approve_alert(correction)
        raise_alert(region_id=demo["BT-HT"].id, messages={"vi": "Áp thấp nhiệt đới"}, severity="extreme")
        context.pop()
    with app_ctx.test_request_context():
        province = compute(Scope(demo["BT"]), month(2026, 3), utcnow())
        phan_thiet = compute(Scope(demo["BT-PT"]), month(2026, 3), utcnow())
    assert (province.summary["alerts_correction"], province.summary["alerts_emergency"]) == (1, 1)
    assert (phan_thiet.summary["alerts_correction"], phan_thiet.summary["alerts_emergency"]) == (1, 0)
    assert [r["message"] for r in phan_thiet.tables["on_air_control"].rows] == ["Cải chính: lễ hội vẫn diễn ra"]


def test_a_self_approval_is_listed_in_the_report_of_its_region(app_ctx, demo):
    region = demo["BT-HT"]
    region.allow_self_approval = True
    lone = User(username="lone", role=Role.APPROVER.value, region_id=region.id, display_name="Một người")
    lone.set_password("demo-2026")
    ticker = Ticker(region_id=region.id, name="Chợ phiên", texts={"vi": "Chợ phiên Tân Nghĩa"})
    db.session.add_all([lone, ticker])
    db.session.commit()
    with time_machine.travel(local(2026, 3, 12, 8, 0), tick=False):
        context = _as(app_ctx, "lone")
        approval.submit(ticker)
        approval.approve(ticker)
        db.session.commit()
        context.pop()
    with app_ctx.test_request_context():
        own = compute(Scope(region), month(2026, 3), utcnow())
        other = compute(Scope(demo["BT-PT"]), month(2026, 3), utcnow())
    assert own.summary["self_approvals"] == 1 and own.tables["self_approvals"].rows[0]["user"] == "lone"
    assert other.summary["self_approvals"] == 0

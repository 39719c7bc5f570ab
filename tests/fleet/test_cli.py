"""`flask fleet technician`: the same channel rules as the admins' page — email, SMS to a valid mobile number
(stored E.164), or both; neither is refused."""

from __future__ import annotations

from sqlalchemy import select

from fleet.models import Technician
from signage.extensions import db


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["fleet", "technician", *args])


def _technician(demo) -> Technician | None:
    return db.session.scalar(select(Technician).where(Technician.region_id == demo["BT"].id))


def test_a_technician_told_by_sms_gets_the_number_in_its_international_form(app, demo):
    result = _run(app, "operator", "BT", "--sms", "--phone", "0912 345 678")
    assert result.exit_code == 0, result.output
    row = _technician(demo)
    assert (row.phone, row.notify_sms, row.email) == ("+84912345678", True, "")


def test_sms_with_a_number_that_is_not_a_mobile_is_refused(app, demo):
    result = _run(app, "operator", "BT", "--sms", "--phone", "12")
    assert result.exit_code != 0 and "--sms needs a valid mobile --phone" in result.output
    assert _technician(demo) is None


def test_a_technician_with_neither_email_nor_sms_is_refused(app, demo):
    result = _run(app, "operator", "BT")
    assert result.exit_code != 0 and "give --email, or --sms" in result.output


def test_email_alone_still_works_and_sms_stays_off(app, demo):
    result = _run(app, "operator", "BT", "--email", "kt@example.vn")
    assert result.exit_code == 0, result.output
    row = _technician(demo)
    assert (row.email, row.notify_sms) == ("kt@example.vn", False)

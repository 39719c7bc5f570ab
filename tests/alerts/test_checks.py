"""The alert tables' stored enums are guarded by CHECK constraints (migration 0013; 0008 for the severity), the
same ones alerts/models.py declares for create_all: Alembic's autogenerate ignores CHECKs, so their agreement
is checked here, and the database refuses a value outside the enum."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect, update
from sqlalchemy.exc import IntegrityError

from alerts.models import AreaMatch, EmergencyAlert, EndReason, Level, Severity
from signage.approval import ApprovalState
from signage.extensions import db

TABLES = ("emergency_alert", "alert_cap_area", "alert_cap_sms_rule")


def _literals(sqltext: str) -> frozenset[str]:
    return frozenset(re.findall(r"'([^']*)'", sqltext))


def test_the_models_declare_a_check_for_each_stored_enum():
    declared = {c.name: _literals(str(c.sqltext)) for t in TABLES for c in db.metadata.tables[t].constraints
                if c.__class__.__name__ == "CheckConstraint"}
    assert declared == {
        "ck_emergency_alert_severity": {s.value for s in Severity},
        "ck_emergency_alert_level": {lv.value for lv in Level},
        "ck_emergency_alert_ended_reason": {r.value for r in EndReason},
        "ck_emergency_alert_approval_state": {a.value for a in ApprovalState},
        "ck_alert_cap_area_match": {m.value for m in AreaMatch},
        "ck_alert_cap_sms_rule_severity": {"any"} | {s.value for s in Severity},
    }


def test_the_migrated_database_has_the_models_checks(app_ctx):
    inspector = inspect(db.engine)
    for table in TABLES:
        declared = {c.name: _literals(str(c.sqltext)) for c in db.metadata.tables[table].constraints
                    if c.__class__.__name__ == "CheckConstraint"}
        found = {c["name"]: _literals(c["sqltext"]) for c in inspector.get_check_constraints(table)}
        assert found == declared, table


def test_the_database_refuses_a_level_outside_the_enum(app_ctx, demo):
    from alerts.service import raise_alert

    alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Bão"})
    with pytest.raises(IntegrityError):
        db.session.execute(update(EmergencyAlert).where(EmergencyAlert.id == alert.id).values(level="rumour"))
        db.session.commit()
    db.session.rollback()

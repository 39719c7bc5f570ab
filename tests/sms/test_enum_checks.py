"""Stored enums are guarded by CHECK constraints (migration 0008), the same ones the models declare for
`create_all`; Alembic's autogenerate comparison ignores CHECK constraints, so their agreement is checked here.
The migration keeps every row (SQLite rebuilds the tables: no cascade may fire), and its downgrade drops them."""

from __future__ import annotations

import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from signage.extensions import db
from sms.compliance import CampaignKind
from sms.models import (
    Campaign,
    CampaignStatus,
    Contact,
    ContactKind,
    MessageState,
    OutboxDirection,
    OutboxStatus,
)

BEFORE, AFTER = "0007_region_default", "0008_enum_checks"
SMS_TABLES = ("sms_contact", "sms_optout", "sms_campaign", "sms_message", "sms_outbox")


def _literals(sqltext: str) -> frozenset[str]:
    """The quoted values of a CHECK, however the database prints it back (PostgreSQL adds casts)."""
    return frozenset(re.findall(r"'([^']*)'", sqltext))


def _checks(inspector, table: str) -> dict[str, frozenset[str]]:
    return {c["name"]: _literals(c["sqltext"]) for c in inspector.get_check_constraints(table)}


def test_the_models_declare_a_check_for_each_stored_enum():
    expected = {
        ("sms_contact", "ck_sms_contact_kind"): ContactKind,
        ("sms_optout", "ck_sms_optout_kind"): CampaignKind,
        ("sms_campaign", "ck_sms_campaign_kind"): CampaignKind,
        ("sms_campaign", "ck_sms_campaign_status"): CampaignStatus,
        ("sms_message", "ck_sms_message_state"): MessageState,
        ("sms_outbox", "ck_sms_outbox_direction"): OutboxDirection,
        ("sms_outbox", "ck_sms_outbox_status"): OutboxStatus,
    }
    declared = {(t, c.name): _literals(str(c.sqltext)) for t in SMS_TABLES
                for c in db.metadata.tables[t].constraints if c.__class__.__name__ == "CheckConstraint"}
    for key, enum in expected.items():
        assert declared[key] == {v.value for v in enum}, key


def test_the_migrated_database_has_the_models_checks(app_ctx):
    inspector = inspect(db.engine)
    for table in SMS_TABLES:
        declared = {c.name: _literals(str(c.sqltext)) for c in db.metadata.tables[table].constraints
                    if c.__class__.__name__ == "CheckConstraint"}
        assert _checks(inspector, table) == declared, table
    # the alert model is not ours: only the constraint 0008 adds (later revisions carry it over)
    assert _checks(inspector, "emergency_alert")["ck_emergency_alert_severity"] == {"extreme", "severe", "moderate"}


def test_the_database_refuses_a_value_outside_the_enum(sms_sync, make_contact, make_campaign):
    campaign = make_campaign({"vi": "Tin"})
    with pytest.raises(IntegrityError):
        db.session.execute(update(Campaign).where(Campaign.id == campaign.id).values(status="paused"))
        db.session.commit()
    db.session.rollback()
    contact = make_contact("+84912000001")
    with pytest.raises(IntegrityError):
        db.session.execute(update(Contact).where(Contact.id == contact.id).values(kind="visitor"))
        db.session.commit()
    db.session.rollback()


# ------------------------------------------------------------------ the migration on a database of its own


#: One row of each table an sms_contact or sms_campaign rebuild could cascade-delete from, written as SQL for
#: the schema at 0007 (the models may have moved on since).
SEED = (
    "INSERT INTO region (id, code, name, parent_id, path) VALUES (1, 'T', 'T', NULL, '/1/')",
    "INSERT INTO sms_contact (id, phone, name, language, kind, region_id, tags_text, created_at) "
    "VALUES (1, '+84912000001', '', 'vi', 'tourist', 1, ',', '2026-01-01 00:00:00')",
    "INSERT INTO sms_consent (id, contact_id, source, source_ref, text_shown, language, at) "
    "VALUES (1, 1, 'operator', '', 'agreed', 'vi', '2026-01-01 00:00:00')",
    "INSERT INTO sms_optout (id, contact_id, kind, source, at) VALUES (1, 1, 'promotional', 'link', "
    "'2026-01-01 00:00:00')",
    "INSERT INTO sms_campaign (id, name, region_id, kind, messages, event, audience, schedule, use_unaccented, "
    "status, created_at, approval_state, review_comment) VALUES (1, 'C', 1, 'promotional', '{}', '', '{}', "
    "'{\"mode\": \"now\"}', false, 'running', '2026-01-01 00:00:00', 'approved', '')",
    "INSERT INTO sms_message (id, campaign_id, contact_id, occurrence, promotional, phone, language, body, "
    "segments, state, attempts, provider_sid, error_code, error_message, skip_reason, needs_review) VALUES "
    "(1, 1, 1, 'once', true, '+84912000001', 'vi', 'x', 1, 'sent', 1, '', '', '', '', false)",
    "INSERT INTO sms_outbox (id, phone, sender, direction, body, message_id, sid, status, created_at) VALUES "
    "(1, '+84912000001', 'OUTBOX', 'out', 'x', 1, 'OB1', 'sent', '2026-01-01 00:00:00')",
)


def _seed() -> None:
    with db.engine.begin() as conn:
        for statement in SEED:
            conn.execute(text(statement))


def _counts() -> dict[str, int]:
    """Rows per table, read in a transaction that ends here (an open one would block the migration's ALTERs)."""
    with db.engine.connect() as conn:
        return {t: conn.scalar(select(func.count()).select_from(db.metadata.tables[t]))
                for t in ("sms_contact", "sms_consent", "sms_optout", "sms_campaign", "sms_message", "sms_outbox")}


@pytest.mark.slow
def test_upgrade_keeps_every_row_and_downgrade_drops_the_checks(scratch_url):
    from signage import create_app

    other = create_app({"DATABASE_URL": scratch_url, "TESTING": True})
    with other.app_context():
        try:
            upgrade(revision=BEFORE)
            _seed()
            before = _counts()
            assert before == dict.fromkeys(before, 1)
            upgrade(revision=AFTER)
            assert _counts() == before
            assert "ck_sms_campaign_status" in _checks(inspect(db.engine), "sms_campaign")
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT 1").scalar() == 1
                if conn.dialect.name == "sqlite":  # the migration gives the connection its foreign keys back
                    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            downgrade(revision=BEFORE)
            assert _counts() == before
            inspector = inspect(db.engine)
            assert all(_checks(inspector, t) == {} for t in (*SMS_TABLES, "emergency_alert"))
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.slow
def test_upgrade_names_the_rows_it_cannot_accept(scratch_url, capsys):
    from signage import create_app

    other = create_app({"DATABASE_URL": scratch_url, "TESTING": True})
    with other.app_context():
        try:
            upgrade(revision=BEFORE)
            _seed()
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE sms_message SET state = 'pending'"))
            with pytest.raises(SystemExit):  # flask_migrate logs the migration's error and exits
                upgrade(revision=AFTER)
            assert "sms_message.state: ['pending']" in capsys.readouterr().err  # alembic.ini logs to stderr
            assert _checks(inspect(db.engine), "sms_message") == {}
        finally:
            db.session.remove()
            db.engine.dispose()

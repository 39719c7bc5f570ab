"""CHECK constraints on the stored enums of the alert tables

emergency_alert.level, .ended_reason (or NULL) and .approval_state; alert_cap_area.match;
alert_cap_sms_rule.severity ("any" or a severity). emergency_alert.severity has its own since 0008.

Revision ID: 0013_alert_checks
Revises: 0012_sms_alert_campaign

The values are written out here, not imported from the models (a migration is a snapshot of its revision);
alerts/models.py declares the same constraints under the same names for create_all. Rows holding another value
stop the upgrade before anything changes, naming them. SQLite rebuilds the tables (batch mode) with foreign keys
off, as in 0008: alert_ack refers to emergency_alert with ON DELETE CASCADE.
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_alert_checks"
down_revision = "0012_sms_alert_campaign"
branch_labels = None
depends_on = None

SEVERITIES = ("extreme", "severe", "moderate")
#: table → column → (allowed values, NULL allowed)
CHECKS = {
    "emergency_alert": {
        "level": (("emergency", "announcement", "correction"), False),
        "ended_reason": (("cancelled", "expired", "replaced"), True),
        "approval_state": (("draft", "submitted", "approved", "rejected"), False),
    },
    "alert_cap_area": {"match": (("geocode", "name"), False)},
    "alert_cap_sms_rule": {"severity": (("any", *SEVERITIES), False)},
}


def _condition(column, values, nullable):
    allowed = f"{column} IN ({', '.join(repr(v) for v in values)})"
    return f"{column} IS NULL OR {allowed}" if nullable else allowed


def _refuse_unknown_values(bind):
    found = []
    for table, columns in CHECKS.items():
        for column, (values, _nullable) in columns.items():
            t = sa.table(table, sa.column(column))
            bad = bind.execute(sa.select(t.c[column]).distinct().where(
                t.c[column].is_not(None), t.c[column].not_in(values))).scalars().all()
            if bad:
                found.append(f"{table}.{column}: {sorted(bad)!r}")
    if found:
        raise RuntimeError("Values outside the allowed ones; fix these rows, then upgrade again: " + "; ".join(found))


def _rebuild(change):
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
            if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
                raise RuntimeError("could not turn foreign keys off: rebuilding the tables would cascade deletes")
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column, (values, nullable) in columns.items():
                change(batch_op, table, column, values, nullable)
    if sqlite:
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table rebuild: {broken!r}")
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    _refuse_unknown_values(op.get_bind())
    _rebuild(lambda batch_op, table, column, values, nullable: batch_op.create_check_constraint(
        f"ck_{table}_{column}", sa.text(_condition(column, values, nullable))))


def downgrade():
    _rebuild(lambda batch_op, table, column, values, nullable: batch_op.drop_constraint(
        f"ck_{table}_{column}", type_="check"))

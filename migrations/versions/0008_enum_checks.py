"""CHECK constraints on the stored enums of sms and emergency_alert

sms_message.state, sms_campaign.kind/status/approval_state, sms_contact.kind, sms_optout.kind,
sms_outbox.direction/status, emergency_alert.severity.

Revision ID: 0008_enum_checks
Revises: 0007_region_default

The values are written out here, not imported from the models: a migration is a snapshot of the schema at its
revision (sms/models.py builds the same constraints from its enums, under the same names, for create_all;
tests/sms/test_enum_checks.py checks that the two agree).

Rows holding any other value stop the upgrade before anything changes, naming the table, column and values.

SQLite cannot add a constraint to a table: batch mode copies each table into a new one and drops the old.
Dropping sms_contact or sms_campaign with foreign keys enforced (the app turns them on for every connection)
would cascade-delete their messages, consents and opt-outs, so foreign keys are off while the tables are
rebuilt (a PRAGMA that only takes effect outside a transaction, hence the autocommit blocks) and checked
afterwards.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_enum_checks"
down_revision = "0007_region_default"
branch_labels = None
depends_on = None

KINDS = ("promotional", "public_service", "emergency")
CHECKS = {
    "sms_contact": {"kind": ("tourist", "resident")},
    "sms_optout": {"kind": KINDS},
    "sms_campaign": {
        "kind": KINDS,
        "status": ("draft", "running", "done", "cancelled"),
        "approval_state": ("draft", "submitted", "approved", "rejected"),
    },
    "sms_message": {
        "state": ("queued", "sending", "sent", "delivered", "undelivered", "failed", "unknown", "skipped"),
    },
    "sms_outbox": {"direction": ("out", "in"), "status": ("sent", "delivered", "received")},
    "emergency_alert": {"severity": ("extreme", "severe", "moderate")},
}


def _name(table, column):
    return f"ck_{table}_{column}"


def _condition(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _refuse_unknown_values(bind):
    found = []
    for table, columns in CHECKS.items():
        for column, values in columns.items():
            t = sa.table(table, sa.column(column))
            bad = bind.execute(sa.select(t.c[column]).distinct().where(t.c[column].not_in(values))).scalars().all()
            if bad:
                found.append(f"{table}.{column}: {sorted(bad)!r}")
    if found:
        raise RuntimeError("Values outside the allowed ones; fix these rows, then upgrade again: " + "; ".join(found))


def _rebuild(change):
    """Run `change(batch_op, table, column, values)` for every constraint, table by table."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
            if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
                raise RuntimeError("could not turn foreign keys off: rebuilding the tables would cascade deletes")
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column, values in columns.items():
                change(batch_op, table, column, values)
    if sqlite:
        # On failure above, the migration's transaction is rolled back and `flask db upgrade` exits, so the
        # connection that had foreign keys off goes with it.
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table rebuild: {broken!r}")
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    _refuse_unknown_values(op.get_bind())
    _rebuild(lambda batch_op, table, column, values: batch_op.create_check_constraint(
        _name(table, column), sa.text(_condition(column, values))))


def downgrade():
    _rebuild(lambda batch_op, table, column, values: batch_op.drop_constraint(_name(table, column), type_="check"))

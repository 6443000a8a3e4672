"""Make seals append-only in PostgreSQL, and the whole audit log append-only in SQLite too.

PostgreSQL: the same trigger and revoked privileges as migration 0002, on the seal tables.
SQLite has no roles, but it has triggers: each refuses UPDATE and DELETE, so a program with
the database file open changes nothing by accident or by plain SQL (someone who can write the
file can drop a trigger; that is what the seals' MAC and the anchors are for).

Beware: SQLite rebuilds a table for many schema changes, and a rebuilt table has lost these
triggers. A later migration that alters one of these tables must run ``SQLITE`` again after it.
"""

from django.db import migrations

TABLES = ("privacy_auditevent", "privacy_auditseal", "privacy_auditsealedevent")
NEW_POSTGRESQL_TABLES = ("privacy_auditseal", "privacy_auditsealedevent")

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()}
        BEFORE {verb} ON {table}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""
    for table in TABLES
    for verb in ("UPDATE", "DELETE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}"
    for table in TABLES
    for verb in ("UPDATE", "DELETE")
]
POSTGRESQL = [
    statement
    for table in NEW_POSTGRESQL_TABLES
    for statement in (
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION privacy_auditevent_refuse()""",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC, CURRENT_USER",
    )
]
POSTGRESQL_REVERSE = [
    statement
    for table in NEW_POSTGRESQL_TABLES
    for statement in (
        f"GRANT UPDATE, DELETE, TRUNCATE ON {table} TO CURRENT_USER",
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
    )
]


def _run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_sealed_batches_replace_the_chain_head")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]

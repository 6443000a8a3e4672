"""Make the audit log append-only in PostgreSQL itself.

A trigger refuses UPDATE and DELETE of audit events for every role, owner and superuser
included, and the role that runs the migration gives up UPDATE, DELETE and TRUNCATE on the
table. (Run the application as a role that neither owns the table nor is a superuser, and it
cannot get them back; the README says how.) SQLite, the single-machine mode, has no roles:
there the model refuses updates and deletes (see ``AuditEventQuerySet``).
"""

from django.db import migrations

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION privacy_auditevent_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER privacy_auditevent_append_only
       BEFORE UPDATE OR DELETE ON privacy_auditevent
       FOR EACH ROW EXECUTE FUNCTION privacy_auditevent_refuse()""",
    "REVOKE UPDATE, DELETE, TRUNCATE ON privacy_auditevent FROM PUBLIC, CURRENT_USER",
]
POSTGRESQL_REVERSE = [
    "GRANT UPDATE, DELETE, TRUNCATE ON privacy_auditevent TO CURRENT_USER",
    "DROP TRIGGER IF EXISTS privacy_auditevent_append_only ON privacy_auditevent",
    "DROP FUNCTION IF EXISTS privacy_auditevent_refuse()",
]


def _run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL}),
            _run({"postgresql": POSTGRESQL_REVERSE}),
        )
    ]

"""No two active appointments of one practitioner overlap, buffers included: enforced by the
database itself, whatever the code above it does.

PostgreSQL: an exclusion constraint over the blocked time ranges (btree_gist lets the
practitioner's id take part with "="). SQLite: triggers that abort an insert or update which
would overlap; SQLite stores these datetimes as ISO 8601 text in UTC, which compares in order.
Both answer with the name ``scheduling_no_double_booking``, which the booking service turns into
"this time was just taken".
"""

from django.db import migrations

ACTIVE = "('requested', 'confirmed')"

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE scheduling_appointment ADD CONSTRAINT scheduling_no_double_booking
    EXCLUDE USING gist (
        practitioner_id WITH =,
        tstzrange(blocked_from, blocked_until, '[)') WITH &&
    ) WHERE (status IN {ACTIVE})
    """,
]
POSTGRESQL_BACKWARD = [
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS scheduling_no_double_booking",
]

_SQLITE_OVERLAP = f"""
    WHEN NEW.status IN {ACTIVE} AND EXISTS (
        SELECT 1 FROM scheduling_appointment AS other
        WHERE other.practitioner_id = NEW.practitioner_id
          AND other.id IS NOT NEW.id
          AND other.status IN {ACTIVE}
          AND other.blocked_from < NEW.blocked_until
          AND NEW.blocked_from < other.blocked_until
    )
    BEGIN
        SELECT RAISE(ABORT, 'scheduling_no_double_booking');
    END
"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER scheduling_no_double_booking_insert BEFORE INSERT ON scheduling_appointment "
    f"{_SQLITE_OVERLAP}",
    f"CREATE TRIGGER scheduling_no_double_booking_update BEFORE UPDATE ON scheduling_appointment "
    f"{_SQLITE_OVERLAP}",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS scheduling_no_double_booking_insert",
    "DROP TRIGGER IF EXISTS scheduling_no_double_booking_update",
]

STATEMENTS = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
}


def forward(apps, schema_editor):
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError("Casework runs on PostgreSQL or SQLite only.")
    for statement in statements[0]:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    for statement in statements[1] if statements else []:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_booking")]

    operations = [migrations.RunPython(forward, backward)]

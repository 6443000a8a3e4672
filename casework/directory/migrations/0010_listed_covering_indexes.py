"""On PostgreSQL, two indexes of the listed profiles that carry what a filtered search counts:
one by id and one by practitioner, each with the other and the stored free slot. Not on
SQLite, whose searches read migration 0008's index.

A search without words counts its matches up to the cap (``paging.SoonestFirst.counted``),
and that count was most of a filtered search at a million profiles. PostgreSQL starts it
from the smallest filter's rows (a specialty's profiles, a place's practitioners) and looks
each one's profile up: whether it is listed, its practitioner (for the place) and its slot
(for "free soon", and the count of those with a slot to come). It read each from the table's
row, a page of its own for every candidate (3,000-9,000 of them). From these indexes the same
look-ups are index-only: at a million profiles the count of place + language + specialty took
11-12 ms instead of 17-21, and of place + free in 7 days 10 ms instead of 22-26
(docs/performance.md).

Built concurrently, so that profiles are not locked against writes while a large table is
indexed: the migration is therefore not atomic. Django's models do not know these indexes: in
``Meta.indexes`` they would be built on SQLite too, without their included columns.
"""

from django.db import migrations

INDEXES = {
    "directory_listed_by_id": "(id) INCLUDE (practitioner_id, free_slot_at)",
    "directory_listed_by_practitioner": "(practitioner_id) INCLUDE (id, free_slot_at)",
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON directory_practitionerprofile "
            f"{columns} WHERE listed_in_search"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("directory", "0009_practising_turns")]

    operations = [migrations.RunPython(forward, backward)]

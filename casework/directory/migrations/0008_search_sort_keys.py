"""On SQLite, an index of each profile's id with what a search with words reads of its row:
whether it is listed, its sort keys (next free slot, name) and the columns its filters check
(practitioner, fee). Not on PostgreSQL.

A search with words ranks every match of its words and sorts their ids
(``paging.BestMatchFirst``); each match's row was read from the table for these few columns
(16,000-25,000 row look-ups for a common word at 100,000 profiles, about a third of that
query). Read from this index by id (``search.sorted_ids`` names it: SQLite's planner otherwise
looks up the table by its rowid), the same look-ups read a few small pages.

Like the full-text table and the triggers, Django's models do not know it: a migration that
rebuilds the profile table on SQLite must create it again.
"""

from django.db import migrations

INDEX = "directory_profile_sort_keys"
SQLITE_FORWARD = [
    f"CREATE INDEX {INDEX} ON directory_practitionerprofile "
    "(id, listed_in_search, free_slot_at, display_name, practitioner_id, funded, fee_currency, "
    "fee)",
]
SQLITE_BACKWARD = [f"DROP INDEX IF EXISTS {INDEX}"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("directory", "0007_free_slot_at")]

    operations = [migrations.RunPython(forward, backward)]

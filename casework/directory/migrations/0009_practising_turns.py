"""On PostgreSQL, writers of one practitioner's registrations take turns on a row of their own
(``directory_practisingturn``) instead of an advisory lock. Nothing on SQLite, whose write lock
already puts every writer after the one before.

``directory_restate_practising`` (migration 0006) took one transaction-scoped advisory lock per
practitioner it restated. Those live in the server's shared lock table, about
max_locks_per_transaction (64) x max_connections entries for every database on the server: a
transaction restating more practitioners than that (a register reading that changes the status
of thousands of claimed entries, a bulk load of claims) failed with "out of shared memory", and
before failing took the slots every other connection needs for its own locks.

A row lock is written in the row itself and takes no slot. Each call upserts its practitioners'
rows in ascending id order (``ON CONFLICT DO UPDATE`` locks an existing row, and an insert
waits for another transaction's uncommitted insert of the same id), so exactly the writers
that waited for each other before wait now, in the same order, until the other commits: the
same turns, and the same deadlocks, as 0006, with nothing held in shared memory. The rows are
ids only and are never read; a row is rewritten in place (the id is unchanged, so the update
needs no new index entry).
"""

import importlib

from django.db import migrations

TURNS = "directory_practisingturn"

RESTATE = (
    "CREATE OR REPLACE FUNCTION directory_restate_practising(practitioners bigint[]) "
    "RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO {TURNS} (practitioner_id) "
    "SELECT DISTINCT p FROM unnest(practitioners) AS p WHERE p IS NOT NULL ORDER BY p "
    "ON CONFLICT (practitioner_id) DO UPDATE SET practitioner_id = EXCLUDED.practitioner_id; "
    "DELETE FROM directory_practisingjurisdiction WHERE practitioner_id = ANY(practitioners); "
    "INSERT INTO directory_practisingjurisdiction (practitioner_id, jurisdiction_id) "
    "{practising} ON CONFLICT DO NOTHING; "
    "END $$"
)


def _0006():
    # The rows a practitioner should have, and 0006's own function for going back, exactly as
    # 0006 wrote them.
    return importlib.import_module("casework.directory.migrations.0006_practising_jurisdictions")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE TABLE {TURNS} (practitioner_id bigint PRIMARY KEY)")
        schema_editor.execute(
            RESTATE.replace("{practising}", _0006()._practising("= ANY(practitioners)"))
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        [created, *_triggers] = _0006()._postgres_forward()
        schema_editor.execute(created.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
        schema_editor.execute(f"DROP TABLE {TURNS}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0008_search_sort_keys")]

    operations = [migrations.RunPython(forward, backward)]

"""On PostgreSQL, ``directory_restate_practising`` (migration 0006) takes its turn-taking locks
per bucket of practitioners instead of per practitioner. Nothing on SQLite, which has no such
locks (its write lock already puts every writer after the one before).

0006 took one transaction-scoped advisory lock per distinct practitioner a transaction restated.
Those locks live in the server's shared lock table, about max_locks_per_transaction (64) x
max_connections entries for every database on the server: a transaction restating more
practitioners than that (a register reading that changes the status of thousands of claimed
entries, a bulk load of claims) failed with "out of shared memory", and before failing took
the slots every other connection needs for its own locks.

A practitioner's bucket is their id modulo ``BUCKETS``, so a transaction holds at most
``BUCKETS`` of these locks however many practitioners it restates. Writers of the same
practitioner still take turns (same bucket), so two claims verified at once both end up stored;
writers of different practitioners in one bucket now also take turns, each waiting at most for
the other's commit. Within one call the buckets are locked in ascending order, as 0006 locked
practitioners in ascending id order, so two transactions each restating in one call cannot
deadlock on these locks. Across several calls in one transaction (one per row written) neither
0006 nor this orders the locks; a deadlock there is found by PostgreSQL and one transaction is
rolled back, as before, and sharing buckets adds such cycles between transactions that restate
different practitioners of the same buckets in opposite orders.
"""

import importlib

from django.db import migrations

BUCKETS = 256

RESTATE = (
    "CREATE OR REPLACE FUNCTION directory_restate_practising(practitioners bigint[]) "
    "RETURNS void LANGUAGE plpgsql AS $$ DECLARE bucket integer; BEGIN "
    f"FOR bucket IN SELECT DISTINCT mod(p, {BUCKETS})::integer FROM unnest(practitioners) AS p "
    "WHERE p IS NOT NULL ORDER BY 1 LOOP "
    "PERFORM pg_advisory_xact_lock(hashtext('directory_practising'), bucket); END LOOP; "
    "DELETE FROM directory_practisingjurisdiction WHERE practitioner_id = ANY(practitioners); "
    "INSERT INTO directory_practisingjurisdiction (practitioner_id, jurisdiction_id) "
    "{practising} ON CONFLICT DO NOTHING; "
    "END $$"
)


def _0006():
    return importlib.import_module("casework.directory.migrations.0006_practising_jurisdictions")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            RESTATE.replace("{practising}", _0006()._practising("= ANY(practitioners)"))
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # 0006's function as 0006 wrote it.
        [created, *_triggers] = _0006()._postgres_forward()
        schema_editor.execute(created.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))


class Migration(migrations.Migration):
    dependencies = [("directory", "0008_search_sort_keys")]

    operations = [migrations.RunPython(forward, backward)]

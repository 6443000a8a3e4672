"""Each practitioner's next free slot, stored on the profile (``free_slot_at``) and kept exact
by triggers, so that the search's "soonest free" order is an index range.

The search ordered by the slot its schedule keeps (``PractitionerSchedule.next_free_at``),
read through a join: every search without words sorted all its matches (at 100,000 profiles
on SQLite, tens of milliseconds before the first card; hundreds on a loaded machine). With the
slot beside ``listed_in_search`` and the name in one index, the search reads that index in
order and stops at the page (``queries.find_practitioners``).

The triggers copy the schedule's slot onto its practitioner's profile in the statement that
writes, so every write path (the refresh services, ``QuerySet.update``, deletes) keeps it exact
in its own transaction:

- a schedule: created, its next free slot refreshed, moved to another practitioner, deleted;
- the profile itself: inserted, or moved to another practitioner. A full save() writes the slot
  as the object last read it, so an update naming it is recomputed too.

``test_free_slot_at.py`` compares it with the schedules after each kind of write.
"""

from django.db import migrations, models

PROFILE = "directory_practitionerprofile"
SCHEDULE = "scheduling_practitionerschedule"


def _slot_of(practitioner: str) -> str:
    return f"(SELECT s.next_free_at FROM {SCHEDULE} s WHERE s.practitioner_id = {practitioner})"


def _restate(condition: str) -> str:
    # Qualified: inside the subquery a bare practitioner_id would be the schedule's.
    return (
        f"UPDATE {PROFILE} SET free_slot_at = {_slot_of(f'{PROFILE}.practitioner_id')} "
        f"WHERE {condition}"
    )


# The schedule's writes, with the practitioners whose profiles they change.
SCHEDULE_EVENTS = {
    "INSERT": ["NEW.practitioner_id"],
    "UPDATE": ["NEW.practitioner_id", "OLD.practitioner_id"],
    "DELETE": ["OLD.practitioner_id"],
}
# The refresh writes ``refresh_due_at`` far more often than the slot: only these matter.
SCHEDULE_COLUMNS = ("next_free_at", "practitioner_id")


def _changed(differs: str) -> str:
    return " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in SCHEDULE_COLUMNS)


def _sqlite_forward() -> list[str]:
    statements = [
        f"CREATE TRIGGER directory_free_slot_profile_insert AFTER INSERT ON {PROFILE} "
        f"BEGIN {_restate('id = NEW.id')}; END",
        # SQLite does not run a trigger from itself: the update below does not loop.
        f"CREATE TRIGGER directory_free_slot_profile_update AFTER UPDATE OF "
        f"practitioner_id, free_slot_at ON {PROFILE} "
        f"BEGIN {_restate('id = NEW.id')}; END",
    ]
    for event, whom in SCHEDULE_EVENTS.items():
        body = " ".join(f"{_restate(f'practitioner_id = {who}')};" for who in whom)
        of = f" OF {', '.join(SCHEDULE_COLUMNS)}" if event == "UPDATE" else ""
        when = f" WHEN {_changed('IS NOT')}" if event == "UPDATE" else ""
        statements.append(
            f"CREATE TRIGGER directory_free_slot_schedule_{event.lower()} AFTER {event}{of} "
            f"ON {SCHEDULE} FOR EACH ROW{when} BEGIN {body} END"
        )
    return statements


def _sqlite_backward() -> list[str]:
    names = ["directory_free_slot_profile_insert", "directory_free_slot_profile_update"]
    names += [f"directory_free_slot_schedule_{event.lower()}" for event in SCHEDULE_EVENTS]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


def _postgres_forward() -> list[str]:
    touch = f"UPDATE {PROFILE} SET free_slot_at = NULL WHERE practitioner_id = "
    return [
        # The profile's own writes: the slot is set on the row being written.
        "CREATE FUNCTION directory_free_slot_profile() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN NEW.free_slot_at := {_slot_of('NEW.practitioner_id')}; RETURN NEW; END $$",
        "CREATE TRIGGER directory_free_slot_profile BEFORE INSERT OR UPDATE OF "
        f"practitioner_id, free_slot_at ON {PROFILE} "
        "FOR EACH ROW EXECUTE FUNCTION directory_free_slot_profile()",
        # A schedule's writes touch its practitioner's profile, which the trigger above restates.
        "CREATE FUNCTION directory_free_slot_schedule() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        f"IF TG_OP <> 'DELETE' THEN {touch}NEW.practitioner_id; END IF; "
        f"IF TG_OP <> 'INSERT' THEN {touch}OLD.practitioner_id; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER directory_free_slot_insert_delete AFTER INSERT OR DELETE ON {SCHEDULE} "
        "FOR EACH ROW EXECUTE FUNCTION directory_free_slot_schedule()",
        f"CREATE TRIGGER directory_free_slot_update AFTER UPDATE OF "
        f"{', '.join(SCHEDULE_COLUMNS)} ON {SCHEDULE} "
        f"FOR EACH ROW WHEN ({_changed('IS DISTINCT FROM')}) "
        "EXECUTE FUNCTION directory_free_slot_schedule()",
    ]


def _postgres_backward() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS directory_free_slot_update ON {SCHEDULE}",
        f"DROP TRIGGER IF EXISTS directory_free_slot_insert_delete ON {SCHEDULE}",
        "DROP FUNCTION IF EXISTS directory_free_slot_schedule()",
        f"DROP TRIGGER IF EXISTS directory_free_slot_profile ON {PROFILE}",
        "DROP FUNCTION IF EXISTS directory_free_slot_profile()",
    ]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _postgres_forward() if vendor == "postgresql" else _sqlite_forward()
    for statement in statements:
        schema_editor.execute(statement)
    # Profiles written before this migration: their practitioner's slot as it stands now.
    schema_editor.execute(_restate("TRUE"))


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _postgres_backward() if vendor == "postgresql" else _sqlite_backward()
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0006_practising_jurisdictions"),
        ("scheduling", "0005_seal_end_reasons"),
    ]

    operations = [
        # Nullable, so SQLite adds the column in place: rebuilding the table would drop the
        # triggers of 0002 and 0005.
        migrations.AddField(
            model_name="practitionerprofile",
            name="free_slot_at",
            field=models.DateTimeField(null=True, blank=True, editable=False),
        ),
        migrations.RemoveIndex(
            model_name="practitionerprofile", name="directory_listed_in_search"
        ),
        migrations.AddIndex(
            model_name="practitionerprofile",
            index=models.Index(
                fields=["free_slot_at", "display_name", "id"],
                condition=models.Q(listed_in_search=True),
                name="directory_listed_soonest",
            ),
        ),
        migrations.AddIndex(
            model_name="practitionerprofile",
            index=models.Index(
                fields=["display_name", "id"],
                condition=models.Q(listed_in_search=True),
                name="directory_listed_by_name",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]

"""Where each practitioner's registrations are from, stored for the search by place
(``PractisingJurisdiction``) and kept exact by triggers.

A search by place asked, for every search, which practitioners hold a verified claim on an
entry in a practising status, not suspended here, of a regulator of one of the jurisdictions
covering the place: about 100 ms at 100,000 practitioners on SQLite.
The answer depends only on the registrations, so it is stored per practitioner and regulator's
jurisdiction; which jurisdictions cover a place (the place itself, its country, the practice
agreements) is still worked out from the reference data when searching, so an agreement changed
by hand needs nothing recomputed here.

The triggers recompute the rows of the practitioners a write can affect, in the statement that
writes, as those of 0005 do for ``listed_in_search``:

- a registration claim: created, verified or withdrawn, pointed at another entry, deleted;
- a register entry: its status read anew (or moved to another regulator);
- a regulator's order on this platform: a suspension imposed, lifted or removed;
- a regulator: its jurisdiction corrected by the reference data.

The rows are written out here in SQL; they must say what the registrations say
(``test_practising_jurisdictions.py`` compares the two after each kind of write). The fixed
words are the values of ``PRACTISING_STATUSES``, ``RegistrationClaim.State.VERIFIED`` and
``PlatformRestriction.Kind.SUSPENSION``.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "directory_practisingjurisdiction"


def _practising(practitioners: str) -> str:
    """The rows the practitioners of ``practitioners`` (a condition on ``c.practitioner_id``)
    should have."""
    return (
        f"SELECT DISTINCT c.practitioner_id, g.jurisdiction_id "
        "FROM registry_registrationclaim c "
        "JOIN registry_registerentry e ON e.id = c.entry_id "
        "JOIN registry_regulator g ON g.id = e.regulator_id "
        f"WHERE c.practitioner_id {practitioners} AND c.state = 'verified' "
        "AND e.status IN ('conditions', 'registered') "
        "AND NOT EXISTS (SELECT 1 FROM registry_platformrestriction r "
        "WHERE r.entry_id = e.id AND r.kind = 'suspension' AND r.lifted_at IS NULL)"
    )


# The practitioners a write to each table can affect, as SQL over NEW and OLD.
SOURCES = {
    # table: (events, columns an update must name to matter, practitioners for NEW, for OLD;
    # None where an update cannot change whose they are: an entry's or a regulator's id)
    "registry_registrationclaim": (
        "INSERT UPDATE DELETE",
        "state, entry_id, practitioner_id",
        "NEW.practitioner_id",
        "OLD.practitioner_id",
    ),
    "registry_registerentry": (
        "UPDATE",
        "status, regulator_id",
        "SELECT practitioner_id FROM registry_registrationclaim WHERE entry_id = NEW.id",
        None,
    ),
    "registry_platformrestriction": (
        "INSERT UPDATE DELETE",
        "kind, lifted_at, entry_id",
        "SELECT practitioner_id FROM registry_registrationclaim WHERE entry_id = NEW.entry_id",
        "SELECT practitioner_id FROM registry_registrationclaim WHERE entry_id = OLD.entry_id",
    ),
    "registry_regulator": (
        "UPDATE",
        "jurisdiction_id",
        "SELECT practitioner_id FROM registry_registrationclaim "
        "WHERE entry_id IN (SELECT id FROM registry_registerentry WHERE regulator_id = NEW.id)",
        None,
    ),
}


def _changed(columns: str, differs: str) -> str:
    """An update's trigger runs only when one of ``columns`` changes value (the register
    writer updates every changed entry's status column, most to the same status)."""
    return " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in columns.split(", "))


def _whom(event: str, new: str, old: str | None) -> str:
    """The practitioners an ``event`` can affect: NEW's, OLD's, or both for an update that can
    move a row from one practitioner to another (in one list, so each is restated once)."""
    if event == "INSERT":
        return new
    if event == "DELETE" and old is not None:
        return old
    if old is None:
        return new
    return f"{new} UNION {old}" if new.startswith("SELECT") else f"{new}, {old}"


def _names() -> list[tuple[str, str]]:
    return [
        (table, event.lower())
        for table, (events, *_rest) in SOURCES.items()
        for event in events.split()
    ]


def _sqlite_forward() -> list[str]:
    def restate(who: str) -> str:
        within = f"IN ({who})"
        return (
            f"DELETE FROM {TABLE} WHERE practitioner_id {within}; "
            f"INSERT INTO {TABLE} (practitioner_id, jurisdiction_id) {_practising(within)};"
        )

    statements = []
    for table, (events, columns, new, old) in SOURCES.items():
        for event in events.split():
            body = restate(_whom(event, new, old))
            of = f" OF {columns}" if event == "UPDATE" else ""
            when = f" WHEN {_changed(columns, 'IS NOT')}" if event == "UPDATE" else ""
            statements.append(
                f"CREATE TRIGGER directory_practising_{table}_{event.lower()} AFTER {event}{of} "
                f"ON {table} FOR EACH ROW{when} BEGIN {body} END"
            )
    return statements


def _sqlite_backward() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS directory_practising_{table}_{event}"
        for table, event in _names()
    ]


def _postgres_forward() -> list[str]:
    statements = [
        # Writers of the same practitioner's registrations take turns (a transaction-scoped
        # lock per practitioner, in id order), and each statement below reads what the one
        # before it committed: two claims verified at once both end up stored.
        "CREATE FUNCTION directory_restate_practising(practitioners bigint[]) RETURNS void "
        "LANGUAGE plpgsql AS $$ DECLARE practitioner bigint; BEGIN "
        "FOR practitioner IN SELECT DISTINCT p FROM unnest(practitioners) AS p "
        "WHERE p IS NOT NULL ORDER BY p LOOP "
        "PERFORM pg_advisory_xact_lock(hashtext('directory_practising'), "
        "hashtext(practitioner::text)); END LOOP; "
        f"DELETE FROM {TABLE} WHERE practitioner_id = ANY(practitioners); "
        f"INSERT INTO {TABLE} (practitioner_id, jurisdiction_id) "
        f"{_practising('= ANY(practitioners)')} ON CONFLICT DO NOTHING; "
        "END $$",
    ]
    for table, (events, columns, new, old) in SOURCES.items():
        for event in events.split():
            who = _whom(event, new, old)
            practitioners = f"ARRAY({who})" if who.startswith("SELECT") else f"ARRAY[{who}]"
            statements.append(
                f"CREATE FUNCTION directory_practising_{table}_{event.lower()}() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                f"PERFORM directory_restate_practising({practitioners}); RETURN NULL; END $$"
            )
            of = f" OF {columns}" if event == "UPDATE" else ""
            when = (
                f" WHEN ({_changed(columns, 'IS DISTINCT FROM')})" if event == "UPDATE" else ""
            )
            statements.append(
                f"CREATE TRIGGER directory_practising_{event.lower()} AFTER {event}{of} "
                f"ON {table} FOR EACH ROW{when} "
                f"EXECUTE FUNCTION directory_practising_{table}_{event.lower()}()"
            )
    return statements


def _postgres_backward() -> list[str]:
    statements = [
        f"DROP TRIGGER IF EXISTS directory_practising_{event} ON {table}"
        for table, event in _names()
    ]
    statements += [
        f"DROP FUNCTION IF EXISTS directory_practising_{table}_{event}()"
        for table, event in _names()
    ]
    return [*statements, "DROP FUNCTION IF EXISTS directory_restate_practising(bigint[])"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _postgres_forward() if vendor == "postgresql" else _sqlite_forward()
    for statement in statements:
        schema_editor.execute(statement)
    # Registrations claimed before this migration, as they stand now.
    schema_editor.execute(
        f"INSERT INTO {TABLE} (practitioner_id, jurisdiction_id) "
        f"{_practising('IS NOT NULL')}"
    )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _postgres_backward() if vendor == "postgresql" else _sqlite_backward()
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_listed_in_search"),
        ("registry", "0008_register_sources"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PractisingJurisdiction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "jurisdiction",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="registry.jurisdiction",
                    ),
                ),
                (
                    "practitioner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["jurisdiction", "practitioner"], name="directory_practising_where"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("practitioner", "jurisdiction"), name="directory_practising_once"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]

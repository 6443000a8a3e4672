"""Who the search lists, stored on the profile (``listed_in_search``) and kept exact by
triggers.

The search used to work out, for every profile it looked at, whether its practitioner is
listed (``queries.listing_condition``: published, active, in good standing, not restricted):
about 140 ms of a broad search at 100,000 profiles on SQLite. The triggers recompute the
stored flag of the practitioners a write can affect, in the statement that writes, so every
write path (services, the register writer's ``executemany``, ``QuerySet.update``, deletes) keeps
it exact in its own transaction, as the full-text index's triggers do (0002):

- the profile itself: inserted, published or unpublished, moved to another practitioner;
- the account: activated or deactivated, its role changed;
- a registration claim: created, verified or withdrawn, pointed at another entry, deleted;
- a register entry: its status read anew;
- a regulator's order on this platform: a suspension imposed, lifted or removed;
- a moderator's decision: a restriction imposed, put out of force, removed.

The condition is written out here in SQL; it must say what ``listing_condition`` says
(``test_listed_in_search.py`` compares the two after each kind of write). The fixed words are
the values of ``PRACTISING_STATUSES``, ``Role.PRACTITIONER``, ``RegistrationClaim.State.VERIFIED``,
``PlatformRestriction.Kind.SUSPENSION`` and ``ActionKind.RESTRICT``.
"""

from django.db import migrations, models

PROFILE = "directory_practitionerprofile"


def _may_list(practitioner: str) -> str:
    """Everything but ``published``, for the practitioner whose id is ``practitioner``."""
    return (
        f"(EXISTS (SELECT 1 FROM accounts_user u WHERE u.id = {practitioner} "
        "AND u.is_active AND u.role = 'practitioner') "
        "AND EXISTS (SELECT 1 FROM registry_registrationclaim c "
        "JOIN registry_registerentry e ON e.id = c.entry_id "
        f"WHERE c.practitioner_id = {practitioner} AND c.state = 'verified' "
        "AND e.status IN ('conditions', 'registered') "
        "AND NOT EXISTS (SELECT 1 FROM registry_platformrestriction r "
        "WHERE r.entry_id = e.id AND r.kind = 'suspension' AND r.lifted_at IS NULL)) "
        "AND NOT EXISTS (SELECT 1 FROM safety_moderationaction m "
        f"WHERE m.affected_id = {practitioner} AND m.kind = 'restrict' AND m.in_force))"
    )


# The practitioners a write to each table can affect, as SQL over NEW and OLD.
SOURCES = {
    # table: (events, columns an update must name to matter, practitioners for NEW, for OLD)
    "accounts_user": ("UPDATE", "is_active, role", "NEW.id", "OLD.id"),
    "registry_registrationclaim": (
        "INSERT UPDATE DELETE",
        "state, entry_id, practitioner_id",
        "NEW.practitioner_id",
        "OLD.practitioner_id",
    ),
    "registry_registerentry": (
        "UPDATE",
        "status",
        "SELECT practitioner_id FROM registry_registrationclaim WHERE entry_id = NEW.id",
        "SELECT practitioner_id FROM registry_registrationclaim WHERE entry_id = OLD.id",
    ),
    "registry_platformrestriction": (
        "INSERT UPDATE DELETE",
        "kind, lifted_at, entry_id",
        "SELECT practitioner_id FROM registry_registrationclaim WHERE entry_id = NEW.entry_id",
        "SELECT practitioner_id FROM registry_registrationclaim WHERE entry_id = OLD.entry_id",
    ),
    "safety_moderationaction": (
        "INSERT UPDATE DELETE",
        "kind, in_force, affected_id",
        "NEW.affected_id",
        "OLD.affected_id",
    ),
}


def _changed(columns: str, differs: str) -> str:
    """An update's trigger runs only when one of ``columns`` changes value (the register
    writer updates every changed entry's status column, most to the same status)."""
    return " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in columns.split(", "))


def _sqlite_forward() -> list[str]:
    # Qualified: inside the claims' subquery a bare practitioner_id would be the claim's.
    relist = (
        f"UPDATE {PROFILE} SET listed_in_search = "
        f"({PROFILE}.published AND {_may_list(f'{PROFILE}.practitioner_id')})"
    )
    statements = [
        # The profile's own writes. A full save() writes the flag as the object last read it,
        # so an update naming it is recomputed too (SQLite does not run a trigger from itself).
        f"CREATE TRIGGER directory_listed_profile_insert AFTER INSERT ON {PROFILE} "
        f"BEGIN {relist} WHERE id = NEW.id; END",
        f"CREATE TRIGGER directory_listed_profile_update AFTER UPDATE OF "
        f"published, practitioner_id, listed_in_search ON {PROFILE} "
        f"BEGIN {relist} WHERE id = NEW.id; END",
    ]
    for table, (events, columns, new, old) in SOURCES.items():
        for event in events.split():
            whom = {"INSERT": [new], "UPDATE": [new, old], "DELETE": [old]}[event]
            body = " ".join(
                f"{relist} WHERE practitioner_id IN ({who});"
                for who in whom
            )
            of = f" OF {columns}" if event == "UPDATE" else ""
            when = f" WHEN {_changed(columns, 'IS NOT')}" if event == "UPDATE" else ""
            statements.append(
                f"CREATE TRIGGER directory_listed_{table}_{event.lower()} AFTER {event}{of} "
                f"ON {table} FOR EACH ROW{when} BEGIN {body} END"
            )
    return statements


def _sqlite_backward() -> list[str]:
    names = ["directory_listed_profile_insert", "directory_listed_profile_update"]
    for table, (events, *_rest) in SOURCES.items():
        names += [f"directory_listed_{table}_{event.lower()}" for event in events.split()]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


def _postgres_forward() -> list[str]:
    statements = [
        "CREATE FUNCTION directory_may_list(practitioner bigint) RETURNS boolean "
        f"LANGUAGE sql STABLE AS $$ SELECT {_may_list('practitioner')} $$",
        # The profile's own writes: the flag is set on the row being written.
        "CREATE FUNCTION directory_listed_profile() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN NEW.listed_in_search := NEW.published AND directory_may_list(NEW.practitioner_id); "
        "RETURN NEW; END $$",
        f"CREATE TRIGGER directory_listed_profile BEFORE INSERT OR UPDATE ON {PROFILE} "
        "FOR EACH ROW EXECUTE FUNCTION directory_listed_profile()",
    ]
    for table, (events, columns, new, old) in SOURCES.items():
        def practitioners(who: str) -> str:
            return who if who.startswith("SELECT") else f"SELECT {who}"

        touch = (
            f"UPDATE {PROFILE} SET listed_in_search = listed_in_search WHERE practitioner_id IN "
        )
        statements.append(
            f"CREATE FUNCTION directory_listed_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            f"IF TG_OP <> 'DELETE' THEN {touch}({practitioners(new)}); END IF; "
            f"IF TG_OP <> 'INSERT' THEN {touch}({practitioners(old)}); END IF; "
            "RETURN NULL; END $$"
        )
        for event in events.split():
            of = f" OF {columns}" if event == "UPDATE" else ""
            when = (
                f" WHEN ({_changed(columns, 'IS DISTINCT FROM')})" if event == "UPDATE" else ""
            )
            statements.append(
                f"CREATE TRIGGER directory_listed_{event.lower()} AFTER {event}{of} ON {table} "
                f"FOR EACH ROW{when} EXECUTE FUNCTION directory_listed_{table}()"
            )
    return statements


def _postgres_backward() -> list[str]:
    statements = []
    for table, (events, *_rest) in SOURCES.items():
        statements += [
            f"DROP TRIGGER IF EXISTS directory_listed_{event.lower()} ON {table}"
            for event in events.split()
        ]
        statements.append(f"DROP FUNCTION IF EXISTS directory_listed_{table}()")
    return [
        *statements,
        f"DROP TRIGGER IF EXISTS directory_listed_profile ON {PROFILE}",
        "DROP FUNCTION IF EXISTS directory_listed_profile()",
        "DROP FUNCTION IF EXISTS directory_may_list(bigint)",
    ]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _postgres_forward() if vendor == "postgresql" else _sqlite_forward()
    for statement in statements:
        schema_editor.execute(statement)
    # Profiles written before this migration: their flag as it stands now.
    if vendor == "postgresql":
        schema_editor.execute(f"UPDATE {PROFILE} SET listed_in_search = listed_in_search")
    else:
        schema_editor.execute(
            f"UPDATE {PROFILE} SET listed_in_search = "
            f"({PROFILE}.published AND {_may_list(f'{PROFILE}.practitioner_id')})"
        )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _postgres_backward() if vendor == "postgresql" else _sqlite_backward()
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0004_cards_version"),
        ("accounts", "0008_idempotency_keys_by_age"),
        ("registry", "0008_register_sources"),
        ("safety", "0006_report_outcome_reversed"),
    ]

    operations = [
        # Added by ALTER TABLE: Django's AddField would rebuild the table on SQLite (a column
        # NOT NULL), which drops the full-text index's triggers (0002) with it.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="practitionerprofile",
                    name="listed_in_search",
                    field=models.BooleanField(default=False, editable=False),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE {PROFILE} ADD COLUMN listed_in_search boolean NOT NULL "
                    "DEFAULT false",
                    f"ALTER TABLE {PROFILE} DROP COLUMN listed_in_search",
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="practitionerprofile",
            index=models.Index(fields=["listed_in_search"], name="directory_listed_in_search"),
        ),
        migrations.RunPython(forward, backward),
    ]

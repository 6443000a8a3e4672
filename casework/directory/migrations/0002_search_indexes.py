"""Full-text indexes of the profiles' search documents, one kind per database.

PostgreSQL: a generated tsvector column with a GIN index, and a trigram GIN index on display
names (pg_trgm). SQLite: an FTS5 table over the document, kept in step by triggers, so every
write path (the profile service, bulk loads, deletes) updates it in the same transaction.
Django's models do not know these objects; casework/directory/search.py queries them.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE directory_practitionerprofile ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_document)) STORED",
    "CREATE INDEX directory_profile_search_vector ON directory_practitionerprofile "
    "USING gin (search_vector)",
    "CREATE INDEX directory_profile_name_trigram ON directory_practitionerprofile "
    "USING gin (display_name gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS directory_profile_name_trigram",
    "DROP INDEX IF EXISTS directory_profile_search_vector",
    "ALTER TABLE directory_practitionerprofile DROP COLUMN IF EXISTS search_vector",
]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE directory_profile_search USING fts5("
    "search_document, content='directory_practitionerprofile', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER directory_profile_search_insert AFTER INSERT ON directory_practitionerprofile "
    "BEGIN INSERT INTO directory_profile_search(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    "CREATE TRIGGER directory_profile_search_delete AFTER DELETE ON directory_practitionerprofile "
    "BEGIN INSERT INTO directory_profile_search(directory_profile_search, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    "CREATE TRIGGER directory_profile_search_update AFTER UPDATE OF search_document "
    "ON directory_practitionerprofile "
    "BEGIN INSERT INTO directory_profile_search(directory_profile_search, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO directory_profile_search(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    # Profiles written before this migration (none in a fresh database) join the index.
    "INSERT INTO directory_profile_search(directory_profile_search) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS directory_profile_search_update",
    "DROP TRIGGER IF EXISTS directory_profile_search_delete",
    "DROP TRIGGER IF EXISTS directory_profile_search_insert",
    "DROP TABLE IF EXISTS directory_profile_search",
]

STATEMENTS = {
    "postgresql": (POSTGRES_FORWARD, POSTGRES_BACKWARD),
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
}


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    forward_statements, _backward = STATEMENTS[schema_editor.connection.vendor]
    _run(schema_editor, forward_statements)


def backward(apps, schema_editor):
    _forward, backward_statements = STATEMENTS[schema_editor.connection.vendor]
    _run(schema_editor, backward_statements)


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]

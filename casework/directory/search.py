"""Full-text search over profiles, one interface on both databases.

Each profile keeps a *search document* (``PractitionerProfile.search_document``): its name,
specialties, languages and modalities in every site language, its in-person place and its bio,
folded to lower case without accents. Migration 0002 indexes it:

- PostgreSQL: a generated ``search_vector`` tsvector column (``simple`` configuration, since
  the document mixes languages) with a GIN index, and a trigram GIN index on the display name
  so that a misspelt name still finds its person. Ranked by ``ts_rank`` plus name similarity.
- SQLite: an FTS5 table over the document, kept in step by triggers. Ranked by ``bm25``.

Both match every word of the query as a prefix ("trau" finds "trauma"). The text filter and
its rank are parts of the one search query, so a page costs the same queries at any size.
"""

import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import translation

from casework.directory.models import Modality, PractitionerProfile
from casework.directory.vocabulary import language_label, specialty_label

MAX_QUERY_WORDS = 8
MAX_WORD_CHARS = 40
_WORDS = re.compile(r"\w+")

# SQL is fixed text; the query's words reach the database only as parameters. On SQLite the
# FTS5 table is joined (``ProfileSearchEntry``), so that it is matched once per search and
# ``bm25`` ranks each match in that same pass (a correlated subquery would match again per row).
_SQLITE_RANK = "-bm25(directory_profile_search)"
# Each way of matching is its own subquery, so that each uses its own index (an OR of the two
# in one condition lets the planner fall back to testing trigrams on every row).
_POSTGRES_MATCH = (
    "directory_practitionerprofile.id IN ("
    "SELECT id FROM directory_practitionerprofile WHERE search_vector @@ to_tsquery('simple', %s) "
    "UNION SELECT id FROM directory_practitionerprofile WHERE display_name %%> %s)"
)
# The full-text match alone, for a search whose full-text matches pass the cap: a name found
# only by its trigrams would rank after every one of them.
_POSTGRES_FULL_TEXT = "directory_practitionerprofile.search_vector @@ to_tsquery('simple', %s)"
# Names are in the document too, so ts_rank ranks them; a name found only by its trigrams (a
# misspelling) ranks after every full-text match.
_POSTGRES_RANK = "ts_rank(directory_practitionerprofile.search_vector, to_tsquery('simple', %s))"


def fold(text: str) -> str:
    """Lower case without accents or compatibility forms: "José" and "jose" index alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def query_words(text: str) -> list[str]:
    """The words of a visitor's query, folded like the documents; punctuation and search
    syntax are dropped, so nothing typed can change the shape of the full-text query."""
    words = [word[:MAX_WORD_CHARS] for word in _WORDS.findall(fold(text))]
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


def search_document(
    *,
    display_name: str,
    languages: Iterable[str],
    specialties: Iterable[str],
    modalities: Iterable[str],
    in_person_place: str,
    bio_text: str,
) -> str:
    """The text a profile is found by, in every site language (so that a visitor reading in
    Spanish finds "duelo" and one reading in English finds "grief")."""
    parts = [display_name, in_person_place]
    languages, specialties, modalities = list(languages), list(specialties), list(modalities)
    for site_language in ("en", "es"):
        with translation.override(site_language):
            parts += [specialty_label(key) for key in specialties]
            parts += [language_label(code, site_language) for code in languages]
            parts += [str(Modality(value).label) for value in modalities]
    parts.append(bio_text)
    return fold(" ".join(dict.fromkeys(part for part in parts if part)))


def finds_likely_names(using: str) -> bool:
    """Whether a display name only like the words is a match beside the full-text ones: on
    PostgreSQL (its trigram index). SQLite's matches are full-text ones alone."""
    return connections[using].vendor == "postgresql"


def matching(
    queryset: QuerySet[PractitionerProfile], text: str, *, likely_names: bool = True
) -> QuerySet[PractitionerProfile]:
    """Profiles of ``queryset`` whose document matches every word of ``text``, annotated with
    ``text_rank`` (higher is better). Text without words leaves the queryset as it is. Without
    ``likely_names``, a display name that is only like the words (a misspelling, found by its
    trigrams on PostgreSQL) is not a match."""
    words = query_words(text)
    if not words:
        return queryset
    vendor = connections[queryset.db].vendor
    # The words, being \w+ runs, cannot carry tsquery or FTS5 operators.
    if vendor == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        if likely_names:
            sql, params = _POSTGRES_MATCH, [tsquery, " ".join(words)]
        else:
            sql, params = _POSTGRES_FULL_TEXT, [tsquery]
        match = RawSQL(sql, params, output_field=BooleanField())  # noqa: S611
        rank = RawSQL(_POSTGRES_RANK, [tsquery], output_field=FloatField())  # noqa: S611
        return queryset.filter(match).annotate(text_rank=rank)
    if vendor == "sqlite":
        fts_query = " ".join(f'"{word}"*' for word in words)
        rank = RawSQL(_SQLITE_RANK, [], output_field=FloatField())  # noqa: S611
        return queryset.filter(search_entry__document__matches=fts_query).annotate(text_rank=rank)
    raise NotSupportedDatabase(vendor)


# Directory migration 0008: each profile's id with what a search with words reads of its row.
SQLITE_SORT_KEYS_INDEX = "directory_profile_sort_keys"
_PROFILE_TABLE = 'FROM "directory_practitionerprofile" '


def sorted_ids(queryset: QuerySet[PractitionerProfile], start: int, stop: int | None) -> list[int]:
    """The ids of ``queryset[start:stop]``, in its order. On SQLite each match's listing, sort
    keys and filtered columns are read from the index of migration 0008 rather than from its
    row: its planner looks a profile up by its rowid in the table (a page or more of the whole
    row each), never by an index led by the id, unless the statement names the index."""
    ids = queryset.values_list("pk", flat=True)[start:stop]
    if connections[queryset.db].vendor != "sqlite":
        return list(ids)
    try:
        sql, params = ids.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        # A filter that nothing can pass (an empty list): Django runs no query for it either.
        return []
    # The outer FROM comes first: only the id is selected, so no subquery precedes it.
    if _PROFILE_TABLE not in sql.partition(" WHERE ")[0]:
        return list(ids)
    named = f'{_PROFILE_TABLE}INDEXED BY "{SQLITE_SORT_KEYS_INDEX}" '
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql.replace(_PROFILE_TABLE, named, 1), params)
        return [pk for (pk,) in cursor.fetchall()]


class NotSupportedDatabase(RuntimeError):
    """Casework runs on PostgreSQL or SQLite; the directory's indexes exist only there."""

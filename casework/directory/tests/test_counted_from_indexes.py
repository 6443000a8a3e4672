"""On PostgreSQL a filtered search counts its matches without reading a profile's row: what it
asks of each candidate's profile (listed, practitioner, stored slot) is in migration 0010's
indexes of the listed profiles."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from casework.directory.models import PractitionerProfile
from casework.directory.queries import SearchCriteria, find_practitioners
from casework.registry.models import Jurisdiction
from casework.scheduling.models import PractitionerSchedule
from casework.testing.directory import listed_practitioner

pytestmark = [
    pytest.mark.usefixtures("reference"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes only"),
]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LISTED_INDEXES = ("directory_listed_by_id", "directory_listed_by_practitioner")


def _count_statement(criteria: SearchCriteria) -> str:
    """The count's statement as the server received it (psycopg binds the values client-side)."""
    result = find_practitioners(criteria, now=NOW)
    with CaptureQueriesContext(connection) as captured:
        result.profiles.counted(1000)
    (statement,) = captured.captured_queries
    return statement["sql"]


def _practitioners() -> None:
    matching = {"languages": ["en"], "specialties": ["mental-health"]}
    for name, regulator, differs in [
        ("Amara Okafor", "social-work-england", {}),
        ("Rosa Delgado", "us-ca-bbs", {}),
        ("Cerys Pugh", "social-care-wales", {"languages": ["cy"]}),
        ("Niamh Kelly", "niscc", {"specialties": ["child-protection"]}),
    ]:
        profile = listed_practitioner(
            legal_name=name, regulator=regulator, **{**matching, **differs}
        )
        PractitionerSchedule.objects.update_or_create(
            practitioner=profile.practitioner, defaults={"next_free_at": NOW + timedelta(days=1)}
        )


def test_both_indexes_hold_the_listed_profiles_with_what_a_count_asks_of_them() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [list(LISTED_INDEXES)],
        )
        found = dict(cursor.fetchall())
    assert found.keys() == set(LISTED_INDEXES)
    by_id, by_practitioner = (
        found["directory_listed_by_id"],
        found["directory_listed_by_practitioner"],
    )
    assert "(id) INCLUDE (practitioner_id, free_slot_at) WHERE listed_in_search" in by_id
    assert "(practitioner_id) INCLUDE (id, free_slot_at) WHERE listed_in_search" in by_practitioner


@pytest.mark.parametrize(
    "filters",
    [
        {"where": "GB-ENG", "language": "en", "specialty": "mental-health"},
        {"where": "US-CA", "available_within_days": 7},
        {"specialty": "mental-health", "available_within_days": 7},
    ],
    ids=["place-language-specialty", "place-free-soon", "specialty-free-soon"],
)
def test_a_filtered_count_can_read_every_profile_it_asks_of_from_an_index(
    filters: dict[str, Any],
) -> None:
    _practitioners()
    where = filters.pop("where", None)
    place = Jurisdiction.objects.get(code=where) if where else None
    sql = _count_statement(SearchCriteria(where=place, **filters))
    table = PractitionerProfile._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        # Which plan wins on a handful of rows says nothing of a million; whether one exists
        # that reads no profile's row does: every way of reading the rows is put aside.
        for way in ("seqscan", "bitmapscan", "indexscan"):
            cursor.execute(f"SET LOCAL enable_{way} = off")
        cursor.execute("EXPLAIN " + sql)
        plan = [line for (line,) in cursor.fetchall()]
    profile_reads = [line for line in plan if f" on {table}" in line]
    assert profile_reads, plan
    for line in profile_reads:
        assert "Index Only Scan using directory_listed_" in line, plan

"""The read-replica router, with a second connection alias to the same database.

The ``replica`` alias is added for these tests only: a second connection to the test database
(on SQLite, the same file or shared in-memory database), so that what was committed through
the primary can be read through it, and the queries each connection ran can be told apart.
"""

import copy
from collections.abc import Iterator

import pytest
from django.db import connections, transaction
from django.db.utils import load_backend
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from casework.accounts.models import User
from casework.directory.models import PractitionerProfile
from casework.registry.models import Regulator
from casework.registry.reference_data import load_reference_data
from casework.replicas import PRIMARY, REPLICA, ReplicaRouter
from casework.testing.directory import listed_practitioner

ROUTERS = ["casework.replicas.ReplicaRouter"]


@pytest.fixture
def replica(transactional_db: None) -> Iterator[str]:
    """A ``replica`` connection alias: a second connection to the test database, made the way
    Django makes any connection, and registered for this thread only (Django's test case
    forbids aliases of the settings it was not told of, and allows connections made so)."""
    settings_dict = copy.deepcopy(connections.settings[PRIMARY])
    second = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias=REPLICA)
    connections[REPLICA] = second
    try:
        yield REPLICA
    finally:
        second.close()
        del connections[REPLICA]


def test_directory_and_registry_reads_go_to_the_replica_and_the_rest_to_the_primary() -> None:
    router = ReplicaRouter()
    assert router.db_for_read(PractitionerProfile) == REPLICA
    assert router.db_for_read(Regulator) == REPLICA
    assert router.db_for_read(User) == PRIMARY
    for model in (PractitionerProfile, Regulator, User):
        assert router.db_for_write(model) == PRIMARY
    assert router.allow_migrate(PRIMARY, "directory")
    assert not router.allow_migrate(REPLICA, "directory")


@pytest.mark.django_db
def test_a_read_inside_a_transaction_stays_on_the_primary() -> None:
    # pytest-django's test runs inside a transaction on the primary already.
    assert ReplicaRouter().db_for_read(PractitionerProfile) == PRIMARY


def test_the_directory_is_read_through_the_replica_connection(replica: str) -> None:
    load_reference_data()
    profile = listed_practitioner(legal_name="Amara Okafor")
    with override_settings(DATABASE_ROUTERS=ROUTERS):
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        ):
            found = PractitionerProfile.objects.get(pk=profile.pk)
            page = Client().get(f"/practitioners/{profile.slug}/")
            search = Client().get("/find/")
        assert found._state.db == REPLICA
        assert page.status_code == 200
        assert "Amara Okafor" in page.content.decode()
        assert search.status_code == 200
        replica_sql = " ".join(query["sql"] for query in on_replica.captured_queries)
        primary_sql = " ".join(query["sql"] for query in on_primary.captured_queries)
        assert "directory_practitionerprofile" in replica_sql
        assert "directory_practitionerprofile" not in primary_sql

        # A service's read-then-write runs in a transaction: it reads the primary.
        with CaptureQueriesContext(connections[REPLICA]) as in_transaction, transaction.atomic():
            PractitionerProfile.objects.get(pk=profile.pk)
        assert in_transaction.captured_queries == []

"""The search's stored answer to "whose registrations let them practise, from which regulators'
jurisdictions" (``PractisingJurisdiction``, kept by the triggers of migration 0006) says what
the registrations say, after every kind of write that changes a part of it, in that write's own
transaction; and a search by place finds the same people, in the same order, as the
registrations worked out afresh."""

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from casework.accounts.models import Role, User
from casework.directory.models import PractisingJurisdiction
from casework.directory.paging import SoonestFirst
from casework.directory.queries import (
    Narrowing,
    SearchCriteria,
    find_practitioners,
    searchable_profiles,
)
from casework.registry.claims import claim_registration, withdraw_claim
from casework.registry.models import (
    PRACTISING_STATUSES,
    Jurisdiction,
    RegisterEntry,
    RegistrationClaim,
    Regulator,
)
from casework.registry.practice import jurisdictions_covering
from casework.registry.restrictions import lift_suspension, set_conditions, suspend_listing
from casework.registry.standing import suspended_on_platform
from casework.testing import oversight
from casework.testing.directory import listed_practitioner, registered_practitioner
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.usefixtures("reference")

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def computed() -> set[tuple[int, str]]:
    """Each practitioner with the jurisdiction of every regulator on whose register a verified
    claim shows them practising, with no suspension here: what the search asked on every
    search before the rows were stored."""
    return set(
        RegistrationClaim.objects.filter(
            state=RegistrationClaim.State.VERIFIED,
            entry__status__in=sorted(PRACTISING_STATUSES),
        )
        .exclude(suspended_on_platform("entry_id"))
        .values_list("practitioner_id", "entry__regulator__jurisdiction_id")
    )


def stored_places(practitioner: User) -> set[str]:
    """Where ``practitioner``'s registrations are from, as stored, checked against the
    registrations worked out afresh for everyone."""
    stored = set(PractisingJurisdiction.objects.values_list("practitioner_id", "jurisdiction_id"))
    assert stored == computed()
    return {code for (who, code) in stored if who == practitioner.pk}


def test_a_verified_registration_is_stored_with_its_regulators_jurisdiction() -> None:
    profile = listed_practitioner()
    assert stored_places(profile.practitioner) == {"GB-ENG"}
    registered_practitioner(practitioner=profile.practitioner, regulator="sssc")
    assert stored_places(profile.practitioner) == {"GB-ENG", "GB-SCT"}


def _waiting_claim() -> RegistrationClaim:
    regulator = Regulator.objects.get(slug="social-work-england")
    RegisterEntry.objects.create(
        regulator=regulator, registration_number="SW1", name="Someone Else", status="registered"
    )
    person = PractitionerFactory.create(legal_name="Amara Okafor")
    claim = claim_registration(practitioner=person, regulator=regulator, registration_number="SW1")
    assert stored_places(person) == set()
    return claim


def test_a_claim_verified_later_is_stored_and_withdrawn_is_not() -> None:
    claim = _waiting_claim()
    RegistrationClaim.objects.filter(pk=claim.pk).update(state=RegistrationClaim.State.VERIFIED)
    assert stored_places(claim.practitioner) == {"GB-ENG"}
    verified = RegistrationClaim.objects.get(pk=claim.pk)
    withdraw_claim(claim=verified, practitioner=claim.practitioner)
    assert stored_places(claim.practitioner) == set()


def test_a_deleted_claim_leaves_nothing_stored() -> None:
    claim = _waiting_claim()
    RegistrationClaim.objects.filter(pk=claim.pk).update(state=RegistrationClaim.State.VERIFIED)
    assert stored_places(claim.practitioner) == {"GB-ENG"}
    RegistrationClaim.objects.filter(pk=claim.pk).delete()
    assert stored_places(claim.practitioner) == set()


def test_a_claim_pointed_at_another_entry_moves_with_it() -> None:
    profile = listed_practitioner()
    other = RegisterEntry.objects.create(
        regulator=Regulator.objects.get(slug="social-care-wales"),
        registration_number="W1",
        name="Amara Okafor",
        status="registered",
    )
    RegistrationClaim.objects.filter(practitioner=profile.practitioner).update(entry=other)
    assert stored_places(profile.practitioner) == {"GB-WLS"}


def test_a_claim_handed_to_another_practitioner_moves_with_it() -> None:
    profile = listed_practitioner()
    other = PractitionerFactory.create(legal_name="Ewan MacLeod")
    RegistrationClaim.objects.filter(practitioner=profile.practitioner).update(practitioner=other)
    assert stored_places(profile.practitioner) == set()
    assert stored_places(other) == {"GB-ENG"}


@pytest.mark.parametrize(
    ("status", "practising"),
    [
        ("suspended", False),
        ("lapsed", False),
        ("removed", False),
        ("absent", False),
        ("conditions", True),
    ],
)
def test_a_register_status_read_anew_follows(status: str, practising: bool) -> None:
    profile = listed_practitioner()
    entry = RegisterEntry.objects.get(claims__practitioner=profile.practitioner)
    entry.status = status
    entry.save(update_fields=["status"])
    assert stored_places(profile.practitioner) == ({"GB-ENG"} if practising else set())
    entry.status = "registered"
    entry.save(update_fields=["status"])
    assert stored_places(profile.practitioner) == {"GB-ENG"}


def test_a_regulators_suspension_here_removes_it_and_its_lifting_restores_it() -> None:
    practitioner, _profile, entry = oversight.listed_with_entry()
    officer = oversight.officer_of("social-work-england")
    set_conditions(entry=entry, officer=officer, conditions="Supervised.", reason="Order.")
    assert stored_places(practitioner) == {"GB-ENG"}
    suspend_listing(entry=entry, officer=officer, reason="Interim order.")
    assert stored_places(practitioner) == set()
    lift_suspension(entry=entry, officer=officer, reason="Hearing over.")
    assert stored_places(practitioner) == {"GB-ENG"}


def test_a_regulators_jurisdiction_corrected_moves_its_registrants() -> None:
    profile = listed_practitioner()
    Regulator.objects.filter(slug="social-work-england").update(jurisdiction_id="GB-WLS")
    assert stored_places(profile.practitioner) == {"GB-WLS"}


def test_a_write_rolled_back_leaves_the_stored_rows_as_they_were() -> None:
    profile = listed_practitioner()
    with transaction.atomic():
        RegisterEntry.objects.filter(claims__practitioner=profile.practitioner).update(
            status="lapsed"
        )
        assert stored_places(profile.practitioner) == set()
        transaction.set_rollback(True)
    assert stored_places(profile.practitioner) == {"GB-ENG"}


def _found_by_registrations(place: Jurisdiction) -> None:
    """The search by place finds, in its own order, whom the registrations let practise there,
    worked out afresh."""
    result = find_practitioners(SearchCriteria(where=place), now=NOW)
    covering = jurisdictions_covering(place)
    expected = searchable_profiles()
    if covering is not None:
        practising = {who for (who, code) in computed() if code in covering}
        expected = expected.filter(practitioner_id__in=practising)
    # Nobody here has a free slot, so the order is by name.
    assert [profile.pk for profile in result.profiles] == list(
        expected.order_by("display_name", "pk").values_list("pk", flat=True)
    )


@pytest.mark.parametrize("place", ["GB-ENG", "GB-SCT", "GB", "US-CA", "AU", "FR", "IE"])
def test_a_search_by_place_finds_whom_the_registrations_let_practise_there(place: str) -> None:
    for name, regulator in [
        ("Amara Okafor", "social-work-england"),
        ("Ewan MacLeod", "sssc"),
        ("Cerys Pugh", "social-care-wales"),
        ("Rosa Delgado", "us-ca-bbs"),
    ]:
        listed_practitioner(legal_name=name, regulator=regulator)
    _found_by_registrations(Jurisdiction.objects.get(code=place))


@pytest.mark.parametrize("first", ["place", "language", "specialty", "modality"])
def test_the_search_finds_the_same_whichever_filter_it_starts_from(
    first: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    matching = {"languages": ["en"], "specialties": ["mental-health"], "modalities": ["video"]}
    for name, regulator, differs in [
        ("Amara Okafor", "social-work-england", {}),
        ("Ewan MacLeod", "sssc", {}),  # Scotland's registrants may practise in England
        ("Rosa Delgado", "us-ca-bbs", {}),
        ("Cerys Pugh", "social-care-wales", {"languages": ["cy"]}),
        ("Niamh Kelly", "niscc", {"specialties": ["child-protection"]}),
        ("Bilal Ahmed", "social-work-england", {"modalities": ["phone"]}),
    ]:
        listed_practitioner(legal_name=name, regulator=regulator, **{**matching, **differs})
    # The filter named ``first`` is the smallest, so the search starts from it.
    monkeypatch.setattr(
        Narrowing, "size", lambda narrowing: 0 if narrowing.key.startswith(first) else 1
    )
    criteria = SearchCriteria(
        where=Jurisdiction.objects.get(code="GB-ENG"),
        language="en",
        specialty="mental-health",
        modality="video",
    )
    result = find_practitioners(criteria, now=NOW)
    assert [profile.display_name for profile in result.profiles] == [
        "Amara Okafor",
        "Ewan MacLeod",
    ]
    # Counted (and sorted, where reading in order would not pay) from one list, the others
    # checked profile by profile (two lists nest: minutes on SQLite); read in order, every
    # filter is a check.
    assert isinstance(result.profiles, SoonestFirst)
    assert str(result.profiles.counting.query).count("IN (SELECT") == 1
    assert str(result.profiles.sorted_free.query).count("IN (SELECT") == 1
    assert str(result.profiles.free.query).count("IN (SELECT") == 0


# The turns of ``directory_restate_practising`` (migrations 0006 and 0009), which only
# PostgreSQL takes: SQLite's write lock puts every writer after the one before.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's turn-taking locks"
)


def _advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        [(count,)] = cursor.fetchall()
    return int(count)


def _lock_table_entries() -> int:
    """What the server's shared lock table is sized for, for every connection together. It
    also borrows spare shared memory: a lone transaction took about twice this (12,880 locks
    where this says 6,400) on PostgreSQL 15 with the default settings."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_locks_per_transaction')::int "
            "* (current_setting('max_connections')::int "
            "+ current_setting('max_prepared_transactions')::int)"
        )
        [(entries,)] = cursor.fetchall()
    return int(entries)


@postgresql_only
def test_one_transaction_restates_more_practitioners_than_the_lock_table_holds() -> None:
    # Claims loaded in bulk, one trigger call per claim, each a practitioner of their own.
    regulators = list(Regulator.objects.filter(slug__in=["sssc", "social-work-england"]))
    people = User.objects.bulk_create(
        User(email=f"p{n}@locks.invalid", role=Role.PRACTITIONER, password="!", legal_name=f"P {n}")
        for n in range(300)
    )
    entries = RegisterEntry.objects.bulk_create(
        RegisterEntry(
            regulator=regulators[n % 2],
            registration_number=f"L{n:05d}",
            name=f"Person {n}",
            status="lapsed" if n % 7 == 0 else "registered",
        )
        for n in range(len(people))
    )
    RegistrationClaim.objects.bulk_create(
        RegistrationClaim(
            practitioner=person,
            regulator=entry.regulator,
            registration_number=entry.registration_number,
            entry=entry,
            state=RegistrationClaim.State.VERIFIED,
        )
        for person, entry in zip(people, entries, strict=True)
    )
    assert _advisory_locks_held() == 0
    # A stored row the registrations no longer back: restated, it goes.
    nobody = PractitionerFactory.create(legal_name="Ewan MacLeod")
    PractisingJurisdiction.objects.create(practitioner=nobody, jurisdiction_id="GB-ENG")
    # Then, in the same transaction, one call for several times as many practitioners as the
    # whole server's lock table holds (most of them ids of nobody): one lock each failed with
    # "out of shared memory".
    count = 3 * _lock_table_entries()
    practitioners = sorted(set(range(1, count + 1)) | {person.pk for person in people})
    assert len(practitioners) >= count
    with connection.cursor() as cursor:
        cursor.execute("SELECT directory_restate_practising(%s::bigint[])", [practitioners])
    assert _advisory_locks_held() == 0
    stored = set(PractisingJurisdiction.objects.values_list("practitioner_id", "jurisdiction_id"))
    assert stored == computed()
    assert len(stored) == len(people) - len(range(0, len(people), 7))
    assert nobody.pk not in {who for (who, _code) in stored}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_claim_withdrawn_while_another_is_verified_waits_its_turn_and_goes() -> None:
    """Verifying one of a practitioner's claims and withdrawing another at once: the second
    writer waits on the first's lock until it commits, then restates from what it committed.
    Without the wait, the second's delete would not see the rows the first wrote (read before
    its commit), and the withdrawn claim's place would stay stored."""
    person = registered_practitioner(regulator="sssc")
    withdrawn = RegistrationClaim.objects.get(practitioner=person)
    england = Regulator.objects.get(slug="social-work-england")
    entry = RegisterEntry.objects.create(
        regulator=england, registration_number="SW2", name=person.legal_name, status="registered"
    )
    verified = RegistrationClaim.objects.create(
        practitioner=person,
        regulator=england,
        registration_number="SW2",
        entry=entry,
        state=RegistrationClaim.State.PENDING,
    )
    assert stored_places(person) == {"GB-SCT"}

    first_written, first_may_commit = threading.Event(), threading.Event()
    second_pid: list[int] = []
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                RegistrationClaim.objects.filter(pk=verified.pk).update(
                    state=RegistrationClaim.State.VERIFIED
                )
                first_written.set()
                assert first_may_commit.wait(timeout=30)
        except BaseException as error:
            failures.append(error)
            first_written.set()
        finally:
            connection.close()

    def second() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    [(pid,)] = cursor.fetchall()
                second_pid.append(pid)
                RegistrationClaim.objects.filter(pk=withdrawn.pk).update(
                    state=RegistrationClaim.State.WITHDRAWN
                )
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_written.wait(timeout=30)
    threads[1].start()
    try:
        waiting_on = _lock_awaited(second_pid)
    finally:
        first_may_commit.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not failures, failures
    assert stored_places(person) == {"GB-ENG"}
    # On the profile row the listing trigger (0005) writes first, or on the turn's row.
    assert waiting_on in {"transactionid", "tuple"}


def _lock_awaited(pids: list[int]) -> str:
    """The kind of lock the backend whose pid ``pids`` will hold waits for, once it waits."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if pids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event FROM pg_stat_activity "
                    "WHERE pid = %s AND wait_event_type = 'Lock'",
                    [pids[0]],
                )
                waiting = cursor.fetchall()
            if waiting:
                return str(waiting[0][0])
        time.sleep(0.01)
    raise AssertionError("the second writer never waited")

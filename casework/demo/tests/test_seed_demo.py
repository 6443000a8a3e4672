"""The demo, loaded once for this module (the slowest fixture there is: two hundred
practitioners through the services), and everything it promises, part by part."""

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoDbBlocker, Settings

from casework.accounts.models import User
from casework.care import queries as care_queries
from casework.care.models import CheckIn
from casework.community.models import Article, Comment
from casework.complaints.models import Complaint
from casework.demo.care import CLIENTS, URGENT_ALIAS, seed_care
from casework.demo.directory import (
    PRACTITIONER_COUNT,
    REGIONS,
    demo_cast,
    demo_directory_practitioners,
    seed_directory,
)
from casework.demo.people import DEMO_CLIENT_EMAIL
from casework.demo.scheduling import seed_scheduling
from casework.demo.seed import DemoSeed, seed_demo
from casework.directory.models import PractitionerProfile, ProfileLanguage
from casework.directory.queries import listed_profiles
from casework.directory.vocabulary import currency_codes, language_codes
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.scheduling.models import Appointment, AppointmentStatus, PractitionerSchedule

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[DemoSeed]:
    """The demo as ``seed_demo`` loads it, committed; each test's own writes are rolled back.
    Afterwards the database is emptied as a transactional test's is."""
    with django_db_blocker.unblock():
        try:
            yield seed_demo()
        finally:
            call_command("flush", verbosity=0, interactive=False)


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        RegistrationClaim.objects.count(),
        PractitionerProfile.objects.count(),
        ProfileLanguage.objects.count(),
        Appointment.objects.count(),
        CheckIn.objects.count(),
        Complaint.objects.count(),
        Article.objects.count(),
        Comment.objects.count(),
    )


def test_production_refuses_demo_data_unless_asked_for_explicitly(settings: Settings) -> None:
    settings.PRODUCTION = True
    before = _counts()
    with pytest.raises(CommandError, match="--i-know-this-is-production"):
        call_command("seed_demo", verbosity=0)
    assert _counts() == before


def test_a_production_trial_takes_it_when_asked_and_a_second_loading_adds_nothing(
    demo: DemoSeed, settings: Settings
) -> None:
    before = _counts()
    settings.PRODUCTION = True
    out = io.StringIO()
    call_command("seed_demo", "--i-know-this-is-production", verbosity=0, stdout=out)
    printed = out.getvalue()
    assert "Demo data is ready." in printed
    assert f"{demo.directory.listed} of {demo.directory.practitioners} practitioners" in printed
    assert "practitioner@demo.casework.localhost" in printed
    assert _counts() == before
    assert all(created for _person, created in demo.people)


def test_every_registry_state_and_both_routes_of_a_complaint(demo: DemoSeed) -> None:
    states = set(RegistrationClaim.objects.values_list("state", flat=True))
    assert states == {"verified", "pending", "awaiting_proof"}
    # A name match alone verifies nobody: every verified claim records its proof.
    assert not RegistrationClaim.objects.filter(state="verified", proof_route="").exists()
    disputed = RegistrationClaim.objects.filter(
        registration_number="LCSW91234", disputed_since__isnull=False
    )
    assert sorted(disputed.values_list("state", flat=True)) == ["awaiting_proof", "verified"]
    suspended = IssuedCredential.objects.get(claim__registration_number="SW100003")
    assert suspended.suspended
    assert not suspended.revoked
    # One complaint reached a regulator, one (no verified registration) the moderators.
    routed = sorted(Complaint.objects.values_list("to_moderators", flat=True))
    assert routed == [False, True]


def test_the_cast_uses_only_known_words_and_real_regulators() -> None:
    cast = demo_cast()
    assert len(cast) == PRACTITIONER_COUNT
    assert len({member.legal_name for member in cast}) == PRACTITIONER_COUNT
    for region in REGIONS:
        assert set(region.languages) | set(region.other_languages) <= language_codes()
        assert region.currency in currency_codes()
    assert demo_cast() == cast  # the same people on every run


def test_the_directory_lists_its_practitioners_and_hides_those_it_should(
    demo: DemoSeed,
) -> None:
    assert demo_directory_practitioners().count() == PRACTITIONER_COUNT
    # 200 demo practitioners and the registry's three; those suspended, lapsed or waiting for
    # review are hidden.
    assert demo.directory.practitioners == PRACTITIONER_COUNT + 3
    hidden = sum(member.status in ("suspended", "lapsed") for member in demo_cast())
    assert demo.directory.listed == PRACTITIONER_COUNT - hidden + 1
    # Every seeded regulator has demo practitioners, and the registry's own demo entries
    # survived the demo readings of their registers.
    assert Regulator.objects.filter(
        entries__registration_number__startswith="DEMO"
    ).distinct().count() == len(REGIONS)
    assert RegisterEntry.objects.get(registration_number="SW100003").status == "suspended"
    assert RegistrationClaim.objects.filter(state="verified").count() >= PRACTITIONER_COUNT
    counts = (PractitionerProfile.objects.count(), ProfileLanguage.objects.count())
    assert seed_directory() == demo.directory
    assert (PractitionerProfile.objects.count(), ProfileLanguage.objects.count()) == counts
    assert listed_profiles().filter(display_name="Amara Okafor").exists()
    assert not listed_profiles().filter(display_name="Dana Hollis").exists()
    page = Client().get("/find/?where=GB-WLS&language=cy").context
    assert page["page"].paginator.count >= 1


def test_the_practitioners_have_hours_and_some_bookings(demo: DemoSeed) -> None:
    assert demo.scheduling.practitioners_with_hours >= PRACTITIONER_COUNT
    assert demo.scheduling.appointments >= 30
    robin = Appointment.objects.filter(client__email=DEMO_CLIENT_EMAIL).order_by("starts_at")
    assert [a.status for a in robin] == [AppointmentStatus.CONFIRMED, AppointmentStatus.CONFIRMED]
    assert Appointment.objects.filter(
        practitioner__email="practitioner@demo.casework.localhost",
        status=AppointmentStatus.REQUESTED,
    ).exists()
    # Every listed practitioner can be found by their next free slot.
    listed = listed_profiles().values_list("practitioner", flat=True)
    missing = PractitionerSchedule.objects.filter(
        practitioner__in=listed, next_free_at__isnull=True
    )
    assert not missing.exists()
    assert seed_scheduling() == demo.scheduling
    page = Client().get("/find/?sort=next_free").content.decode()
    assert "next free" in page.lower()


def test_the_practitioner_has_fifty_clients_ranked_by_need(demo: DemoSeed) -> None:
    assert demo.care.cases == CLIENTS
    assert demo.care.urgent_flags == 1
    amara = User.objects.get(email="practitioner@demo.casework.localhost")
    oldest = CheckIn.objects.filter(case__practitioner=amara).order_by("due_at")[0].due_at
    assert timezone.now() - oldest > timedelta(days=85)
    rows = care_queries.caseload(amara, now=timezone.now())
    assert len(rows) == CLIENTS
    assert rows[0].case.client.alias == URGENT_ALIAS
    assert sum(row.worsening for row in rows) >= 5
    assert sum(row.improving for row in rows) >= 5
    assert any(row.missed for row in rows)
    # Robin, the demo client, has a check-in to answer now.
    robin = next(row for row in rows if row.case.client.email == DEMO_CLIENT_EMAIL)
    assert robin.case.check_ins.filter(status="open", due_at__lte=timezone.now()).exists()
    assert seed_care() == demo.care


def test_two_articles_with_discussion(demo: DemoSeed) -> None:
    assert Article.objects.count() == 2
    assert Comment.objects.filter(status=Comment.Status.PUBLISHED).count() == 3

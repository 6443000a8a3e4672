"""The demo's availability and bookings load once, through the real services."""

import pytest
from django.test import Client

from casework.demo.directory import PRACTITIONER_COUNT, seed_directory
from casework.demo.people import seed_people
from casework.demo.registry import seed_registry
from casework.demo.scheduling import DEMO_CLIENT_EMAIL, seed_scheduling
from casework.directory.queries import listed_profiles
from casework.scheduling.models import Appointment, AppointmentStatus, PractitionerSchedule


@pytest.mark.django_db(transaction=True)
def test_the_demo_practitioners_have_hours_and_some_bookings() -> None:
    seed_people()
    seed_registry()
    seed_directory()
    first = seed_scheduling()
    assert first.practitioners_with_hours >= PRACTITIONER_COUNT
    assert first.appointments >= 30
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
    assert seed_scheduling() == first
    page = Client().get("/find/?sort=next_free").content.decode()
    assert "Next free" in page or "next free" in page.lower()

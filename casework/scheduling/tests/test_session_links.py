"""Choosing one of several session types on a profile keeps the address's other parameters,
the client's place among them, in one well-formed query string."""

from decimal import Decimal
from typing import Any

from django.test import Client

from casework.accounts.models import User
from casework.directory.services import save_profile
from casework.scheduling.models import SessionType
from casework.scheduling.services import availability
from casework.testing.directory import profile_details


def test_a_session_types_link_keeps_the_place(
    session_type: SessionType, practitioner: User, frozen: Any
) -> None:
    availability.save_session_type(
        practitioner=practitioner,
        name="Phone call",
        duration_minutes=30,
        modality="phone",
        price=Decimal("30.00"),
        currency="GBP",
    )
    profile = save_profile(practitioner=practitioner, details=profile_details())
    page = Client().get(f"/practitioners/{profile.slug}/?where=GB-ENG").content.decode()
    assert "??" not in page
    assert 'href="?where=GB-ENG&amp;session=' in page

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from casework.accounts.models import User
from casework.care.models import Case
from casework.scheduling.models import Appointment
from casework.testing import care, scheduling

# Five minutes before Robin's Thursday session: the join page is open.
IN_WINDOW = scheduling.THURSDAY_9 - timedelta(minutes=5)


@pytest.fixture
def traveller() -> Iterator[Any]:
    with time_machine.travel(scheduling.NOW, tick=False) as machine:
        yield machine


@pytest.fixture
def appointment(traveller: Any, practitioner: User, client_person: User) -> Appointment:
    """Robin's video session with Amara, Thursday 09:00 in London, booked on Wednesday."""
    client_person.time_zone = "Europe/London"
    client_person.save(update_fields=["time_zone"])
    _, session_type = scheduling.bookable_practitioner(practitioner=practitioner)
    return scheduling.book(client_person, session_type, scheduling.THURSDAY_9)


@pytest.fixture
def case(appointment: Appointment, practitioner: User, client_person: User) -> Case:
    """Their case: online work suits Robin, she consented to everything, and the case holds
    her emergency contact and crisis plan."""
    return care.ready_case(
        practitioner,
        client_person,
        emergency_contact="Alex, 07700 900123",
        crisis_plan="Call Alex, then the crisis line.",
    )


@pytest.fixture
def in_window(case: Case, traveller: Any) -> Any:
    traveller.move_to(IN_WINDOW)
    return traveller

"""After a first booking both parties see what happens next and who acts."""

from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.care.services import cases
from casework.scheduling.services.booking import confirm_appointment
from casework.testing import care
from casework.testing.scheduling import NOW, THURSDAY_9, book, bookable_practitioner

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]


def _page(browser: Client, appointment_id: int) -> str:
    url = reverse("scheduling:appointment", kwargs={"appointment_id": appointment_id})
    return browser.get(url).content.decode()


def test_each_side_sees_whose_turn_it_is_through_the_first_hour(
    client_person: User, signed_in: SignedIn
) -> None:
    practitioner, session_type = bookable_practitioner(rules={"confirm_first_sessions": True})
    with time_machine.travel(NOW, tick=False):
        appointment = book(client_person, session_type, THURSDAY_9)
        client_page = _page(signed_in(client_person), appointment.pk)
        assert "What happens next" in client_page
        assert "Waiting for the social worker." in client_page
        practitioner_page = _page(signed_in(practitioner), appointment.pk)
        assert "Your turn now." in practitioner_page

        confirm_appointment(appointment=appointment, practitioner=practitioner)
        case = practitioner.caseload.first() or care.open_case(practitioner, client_person)
        practitioner_page = _page(signed_in(practitioner), appointment.pk)
        suitability = reverse("care:suitability", kwargs={"case_id": case.pk})
        assert f'href="{suitability}"' in practitioner_page

        cases.record_online_suitability(case=case, actor=practitioner, suitable=True)
        client_page = _page(signed_in(client_person), appointment.pk)
        assert "Your turn now." in client_page
        assert f'href="{reverse("care:my_care")}"' in client_page

        care.consent_to(case)
        assert "What happens next" not in _page(signed_in(client_person), appointment.pk)

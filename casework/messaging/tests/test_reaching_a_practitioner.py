"""Reaching a social worker: "Write to …" from the directory card, the profile and an
appointment, and a second enquiry that keeps what the client typed."""

from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.messaging.models import Conversation, Message
from casework.testing import messaging
from casework.testing.directory import listed_practitioner
from casework.testing.scheduling import (
    NOW,
    THURSDAY_9,
    book,
    bookable_practitioner,
    reference_places,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _places() -> None:
    reference_places()


SignedIn = Callable[[User | None], Client]


def _start(person: User) -> str:
    return reverse("messaging:start", kwargs={"person_id": person.pk})


def test_every_directory_card_and_profile_offers_to_write_carrying_the_place() -> None:
    profile = listed_practitioner()
    start = _start(profile.practitioner)
    cards = Client().get("/find/", {"where": "GB-ENG"}).content.decode()
    assert f'href="{start}?where=GB-ENG"' in cards
    assert "Write to Amara Okafor" in cards
    page = Client().get(f"/practitioners/{profile.slug}/").content.decode()
    assert f'href="{start}"' in page


def test_the_owner_is_not_offered_to_write_to_herself(signed_in: SignedIn) -> None:
    profile = listed_practitioner()
    page = signed_in(profile.practitioner).get(f"/practitioners/{profile.slug}/")
    assert _start(profile.practitioner) not in page.content.decode()


def test_the_place_chosen_in_the_directory_is_filled_in(
    client_person: User, signed_in: SignedIn
) -> None:
    practitioner = listed_practitioner().practitioner
    page = signed_in(client_person).get(_start(practitioner), {"where": "GB-SCT"})
    assert page.context["form"]["where"].value() == "GB-SCT"


def test_an_open_enquiry_is_named_up_front_with_its_link(
    client_person: User, signed_in: SignedIn
) -> None:
    practitioner = listed_practitioner().practitioner
    found = messaging.enquiry(client_person, practitioner, body="First")
    page = signed_in(client_person).get(_start(practitioner)).content.decode()
    conversation_url = reverse("messaging:conversation", kwargs={"conversation_id": found.pk})
    assert "You already have an open conversation with" in page
    assert f'href="{conversation_url}"' in page
    assert f'formaction="{conversation_url}"' in page


def test_a_second_enquiry_keeps_the_typed_text_and_sends_it_where_the_client_chooses(
    client_person: User, signed_in: SignedIn
) -> None:
    practitioner = listed_practitioner().practitioner
    found = messaging.enquiry(client_person, practitioner, body="First")
    browser = signed_in(client_person)
    typed = "I forgot to say: evenings suit me best."
    response = browser.post(_start(practitioner), {"where": "GB-SCT", "body": typed})
    assert response.status_code == 409
    page = response.content.decode()
    assert typed in page  # kept in the textarea, not thrown away
    assert "Your message has not been sent yet" in page
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(conversation=found).count() == 1
    # The button posts the same fields to the open conversation.
    sent = browser.post(
        reverse("messaging:conversation", kwargs={"conversation_id": found.pk}),
        {"where": "GB-SCT", "body": typed},
    )
    assert sent.status_code == 302
    assert Message.objects.filter(conversation=found).count() == 2


def test_the_client_writes_from_her_appointment(client_person: User, signed_in: SignedIn) -> None:
    _, session_type = bookable_practitioner()
    with time_machine.travel(NOW, tick=False):
        appointment = book(client_person, session_type, THURSDAY_9)
    page = signed_in(client_person).get(
        reverse("scheduling:appointment", kwargs={"appointment_id": appointment.pk})
    )
    assert _start(appointment.practitioner) in page.content.decode()


def test_the_empty_messages_page_leads_a_client_to_the_directory(
    client_person: User, signed_in: SignedIn
) -> None:
    page = signed_in(client_person).get(reverse("messaging:inbox")).content.decode()
    assert "write to them from their profile" not in page
    assert f'href="{reverse("directory:search")}"' in page

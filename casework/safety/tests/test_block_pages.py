"""Blocking from a profile, a conversation and an appointment, each through a page that says
what will happen; and a block stopping messages and enquiries in both directions."""

from collections.abc import Callable

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from casework.accounts.models import User
from casework.directory.services import save_profile
from casework.events.models import OutboxEvent
from casework.messaging import services as messaging_services
from casework.messaging.models import Conversation
from casework.safety.blocks import block_person, is_blocked_between
from casework.safety.models import Block
from casework.testing import factories, messaging
from casework.testing.directory import profile_details
from casework.testing.scheduling import NOW, THURSDAY_9, book, bookable_practitioner

pytestmark = pytest.mark.django_db
SignedIn = Callable[[User | None], Client]

WHAT_HAPPENS = (
    "Neither of you can send the other messages",
    "They are told only that the appointment was cancelled",
    "You can lift the block at any time",
)


def assert_confirmation_then_block(browser: Client, url: str, blocker: User, other: User) -> None:
    page = browser.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    for words in WHAT_HAPPENS:
        assert words in text
    assert "button--danger" in text
    assert not is_blocked_between(blocker, other)  # a GET changes nothing
    response = browser.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/messages/blocked/"
    assert Block.objects.filter(blocker=blocker, blocked=other).exists()
    assert OutboxEvent.objects.filter(
        name="safety.person_blocked", payload={"blocker_id": blocker.pk, "blocked_id": other.pk}
    ).exists()


@pytest.fixture
def conversation(client_person: User, practitioner: User) -> Conversation:
    return messaging.enquiry(client_person, practitioner)


def test_a_client_blocks_from_the_conversation(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(client_person)
    page = browser.get(f"/messages/{conversation.pk}/").content.decode()
    assert f'href="/messages/{conversation.pk}/block/"' in page
    assert_confirmation_then_block(
        browser, f"/messages/{conversation.pk}/block/", client_person, practitioner
    )


def test_a_client_blocks_from_the_profile(
    client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    bookable_practitioner(practitioner=practitioner)
    profile = save_profile(practitioner=practitioner, details=profile_details())
    browser = signed_in(client_person)
    page = browser.get(f"/practitioners/{profile.slug}/").content.decode()
    assert f'href="/practitioners/{profile.slug}/block/"' in page
    assert_confirmation_then_block(
        browser, f"/practitioners/{profile.slug}/block/", client_person, practitioner
    )


def test_a_practitioner_cannot_block_themselves_from_their_profile(
    practitioner: User, signed_in: SignedIn
) -> None:
    bookable_practitioner(practitioner=practitioner)
    profile = save_profile(practitioner=practitioner, details=profile_details())
    browser = signed_in(practitioner)
    assert "/block/" not in browser.get(f"/practitioners/{profile.slug}/").content.decode()
    page = browser.get(f"/practitioners/{profile.slug}/block/")
    assert "You cannot block yourself." in page.content.decode()
    assert browser.post(f"/practitioners/{profile.slug}/block/").status_code == 400
    assert not Block.objects.exists()


def test_a_visitor_is_asked_to_sign_in_before_blocking(practitioner: User) -> None:
    bookable_practitioner(practitioner=practitioner)
    profile = save_profile(practitioner=practitioner, details=profile_details())
    response = Client().get(f"/practitioners/{profile.slug}/block/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_practitioner_blocks_from_an_appointment(
    client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    with time_machine.travel(NOW, tick=False):
        _, session_type = bookable_practitioner(practitioner=practitioner)
        appointment = book(client_person, session_type, THURSDAY_9)
        browser = signed_in(practitioner)
        page = browser.get(f"/appointments/{appointment.pk}/").content.decode()
        assert f'href="/appointments/{appointment.pk}/block/"' in page
        assert_confirmation_then_block(
            browser, f"/appointments/{appointment.pk}/block/", practitioner, client_person
        )


def test_moderators_cannot_be_blocked_and_the_page_says_so(
    client_person: User, signed_in: SignedIn
) -> None:
    moderator = factories.ModeratorFactory.create()
    conversation = messaging_services.start_moderator_conversation(
        moderator=moderator, person=client_person, body="About your report"
    )
    browser = signed_in(client_person)
    page = browser.get(f"/messages/{conversation.pk}/block/").content.decode()
    assert "cannot be blocked" in page
    assert browser.post(f"/messages/{conversation.pk}/block/").status_code == 400
    assert not Block.objects.exists()


def test_someone_outside_the_conversation_gets_404(
    conversation: Conversation, other_practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(other_practitioner)
    assert browser.get(f"/messages/{conversation.pk}/block/").status_code == 404
    assert browser.post(f"/messages/{conversation.pk}/block/").status_code == 404


@pytest.mark.parametrize("blocker_role", ["client", "practitioner"])
def test_a_block_stops_messages_and_enquiries_both_ways(
    blocker_role: str, conversation: Conversation, client_person: User, practitioner: User
) -> None:
    if blocker_role == "client":
        block_person(blocker=client_person, blocked=practitioner)
    else:
        block_person(blocker=practitioner, blocked=client_person)
    for sender in (client_person, practitioner):
        with pytest.raises(ValidationError) as refused:
            messaging.send(conversation, sender, "Hello?")
        assert refused.value.code == "blocked"
    messaging_services.close_conversation(conversation=conversation, actor=client_person)
    with pytest.raises(ValidationError) as refused:
        messaging.enquiry(client_person, practitioner)
    assert refused.value.code == "blocked"


def test_the_start_page_says_contact_is_blocked_instead_of_offering_a_form(
    client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    bookable_practitioner(practitioner=practitioner)
    block_person(blocker=practitioner, blocked=client_person)
    page = signed_in(client_person).get(f"/messages/new/{practitioner.pk}/").content.decode()
    assert "Messages between you and this person are blocked." in page
    assert "<textarea" not in page

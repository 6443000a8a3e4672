"""What a moderator's decision in force means outside the moderators' area: a hidden message is
hidden from the API, the live page and downloads as well as the conversation page; a restricted
or suspended practitioner leaves the directory and takes no enquiry or booking; and the pages
of reports and decisions are reachable from everyone's navigation."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.accounts.models import User
from casework.directory.models import PractitionerProfile
from casework.directory.queries import listed_profiles, searchable_profiles
from casework.events import catalogue as events
from casework.messaging import live, reactions
from casework.messaging import services as messaging_services
from casework.messaging.models import Conversation, Message
from casework.registry.reference_data import load_reference_data
from casework.safety import access, appeals
from casework.safety.detections import record_detection
from casework.safety.models import Detection, ModerationAction
from casework.safety.moderation import take_action
from casework.safety.reports import file_report
from casework.scheduling.services.booking import refuse_unless_practitioner_bookable
from casework.testing import factories, messaging
from casework.testing.directory import listed_practitioner

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]


def _detection_of(message: Message) -> Detection:
    """The message's detection: the one sending it made if it was flagged, else a new one."""
    return Detection.objects.filter(message=message).first() or record_detection(
        author=message.sender,
        conversation=message.conversation,
        text=message.body,
        categories=["off_platform_payment"],
        message=message,
    )


def _decide(moderator: User, message: Message, kind: str) -> ModerationAction:
    detection = _detection_of(message)
    return take_action(
        moderator=moderator,
        detection=detection,
        kind=kind,
        rule="payments-on-platform",
        reason="You asked a client for a gift card.",
    )[0]


@pytest.fixture
def with_file(conversation: Conversation, practitioner: User) -> Message:
    return messaging.send(
        conversation, practitioner, "Send a gift card, see photo", files=[messaging.png()]
    )


def test_a_hidden_message_is_withheld_from_the_api_with_its_files(
    with_file: Message, client_person: User, moderator: User, signed_in: SignedIn
) -> None:
    _decide(moderator, with_file, "hide")
    url = f"/api/v1/conversations/{with_file.conversation_id}/messages"
    found = {item["seq"]: item for item in signed_in(client_person).get(url).json()}
    hidden = found[with_file.seq]
    assert hidden["hidden"] is True
    assert hidden["body"] == ""
    assert hidden["attachments"] == []
    assert found[1]["hidden"] is False
    assert found[1]["body"]


def test_a_hidden_message_s_file_is_no_longer_served(
    with_file: Message, client_person: User, moderator: User, signed_in: SignedIn
) -> None:
    attachment = with_file.attachments.get()
    url = reverse(
        "messaging:attachment",
        kwargs={"conversation_id": with_file.conversation_id, "attachment_id": attachment.pk},
    )
    browser = signed_in(client_person)
    assert browser.get(url).status_code == 200
    _decide(moderator, with_file, "hide")
    assert browser.get(url).status_code == 404


def test_the_sender_cannot_change_a_hidden_message(
    with_file: Message, practitioner: User, moderator: User
) -> None:
    _decide(moderator, with_file, "hide")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        messaging_services.edit_message(
            message=with_file, editor=practitioner, body="Something else"
        )
    with_file.refresh_from_db()
    assert with_file.body == "Send a gift card, see photo"


def test_open_pages_are_told_when_a_message_is_hidden_and_shown_again(
    with_file: Message,
    practitioner: User,
    moderator: User,
    second_moderator: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    told: list[tuple[str, int]] = []
    monkeypatch.setattr(
        live,
        "announce_changed_message",
        lambda conversation_id, seq: told.append((str(conversation_id), seq)),
    )
    action = _decide(moderator, with_file, "hide")
    place = (str(with_file.conversation_id), with_file.seq)
    reactions.announce_hidden(
        events.ModerationDecided(action_id=str(action.pk), affected_id=practitioner.pk, kind="hide")
    )
    assert told == [place]
    appeal = appeals.file_appeal(action=action, appellant=practitioner, grounds="A joke")
    appeals.decide_appeal(
        appeal=appeal, moderator=second_moderator, overturn=True, explanation="Fair enough."
    )
    reactions.announce_shown_again(
        events.AppealDecided(
            appeal_id=str(appeal.pk), appellant_id=practitioner.pk, overturned=True
        )
    )
    assert told == [place, place]
    # A decision that hid nothing tells no page anything.
    reactions.announce_hidden(
        events.ModerationDecided(action_id=str(action.pk), affected_id=practitioner.pk, kind="warn")
    )
    assert len(told) == 2


# --- The directory, enquiries and bookings ------------------------------------------------


@pytest.fixture
def listed(db: None) -> PractitionerProfile:
    load_reference_data()
    return listed_practitioner(legal_name="Noor Haddad")


def _flag(profile: PractitionerProfile, client_person: User) -> Message:
    conversation = messaging.enquiry(client_person, profile.practitioner)
    return messaging.send(conversation, profile.practitioner, "Pay me by gift card")


@pytest.mark.parametrize("kind", ["restrict", "suspend"])
def test_a_restricted_or_suspended_practitioner_leaves_the_directory(
    kind: str,
    listed: PractitionerProfile,
    client_person: User,
    moderator: User,
    signed_in: SignedIn,
    client: Client,
) -> None:
    profile_url = reverse("directory:profile", kwargs={"slug": listed.slug})
    assert client.get(profile_url).status_code == 200
    assert "Noor Haddad" in client.get(reverse("directory:search")).content.decode()
    _decide(moderator, _flag(listed, client_person), kind)
    assert not listed_profiles().filter(pk=listed.pk).exists()
    assert "Noor Haddad" not in client.get(reverse("directory:search")).content.decode()
    assert client.get(profile_url).status_code == 404
    assert signed_in(client_person).get(profile_url).status_code == 404
    practitioner = User.objects.get(pk=listed.practitioner_id)
    newcomer = factories.ClientFactory.create(alias="Kim")
    with pytest.raises(ValidationError, match="not taking enquiries"):
        messaging.enquiry(newcomer, practitioner)
    with pytest.raises(ValidationError, match="not taking bookings"):
        refuse_unless_practitioner_bookable(practitioner)


def test_a_restricted_practitioner_sees_why_their_profile_is_hidden_and_an_appeal_lists_it_again(
    listed: PractitionerProfile,
    client_person: User,
    moderator: User,
    second_moderator: User,
    signed_in: SignedIn,
) -> None:
    action = _decide(moderator, _flag(listed, client_person), "restrict")
    assert not searchable_profiles().filter(pk=listed.pk).exists()
    own = signed_in(listed.practitioner).get(
        reverse("directory:profile", kwargs={"slug": listed.slug})
    )
    assert "stops new enquiries and bookings for now" in own.content.decode()
    appeal = appeals.file_appeal(action=action, appellant=listed.practitioner, grounds="Wrong")
    appeals.decide_appeal(
        appeal=appeal, moderator=second_moderator, overturn=True, explanation="A mistake."
    )
    assert listed_profiles().filter(pk=listed.pk).exists()
    # The decision put out of force lists them in the search again (its stored listing).
    assert searchable_profiles().filter(pk=listed.pk).exists()
    refuse_unless_practitioner_bookable(listed.practitioner)


# --- Where reporting and decisions are reached ---------------------------------------------


@pytest.mark.parametrize(
    "make", [factories.ClientFactory, factories.PractitionerFactory, factories.OfficerFactory]
)
def test_every_role_reaches_its_reports_and_decisions_from_the_navigation(
    make: Any, signed_in: SignedIn
) -> None:
    page = signed_in(make.create()).get(reverse("shell:dashboard")).content.decode()
    assert f'href="{reverse("safety:my_reports")}"' in page
    assert f'href="{reverse("safety:my_decisions")}"' in page


def test_a_conversation_offers_to_report_the_other_person_and_each_of_their_files(
    with_file: Message, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    url = reverse("messaging:conversation", kwargs={"conversation_id": with_file.conversation_id})
    page = signed_in(client_person).get(url).content.decode()
    attachment = with_file.attachments.get()
    assert reverse("safety:report_person", kwargs={"object_id": practitioner.pk}) in page
    assert reverse("safety:report_attachment", kwargs={"object_id": attachment.pk}) in page
    # Not one's own files, nor oneself.
    own = signed_in(practitioner).get(url).content.decode()
    assert reverse("safety:report_attachment", kwargs={"object_id": attachment.pk}) not in own
    assert reverse("safety:report_person", kwargs={"object_id": practitioner.pk}) not in own
    assert reverse("safety:report_person", kwargs={"object_id": client_person.pk}) in own


def test_a_file_reported_from_its_link_names_its_sender(
    with_file: Message, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    attachment = with_file.attachments.get()
    url = reverse("safety:report_attachment", kwargs={"object_id": attachment.pk})
    sent = signed_in(client_person).post(url, {"category": "fraud", "details": ""})
    assert sent.status_code == 302
    report = access.reports_of(client_person).get()
    assert report.reported == practitioner
    assert report.target_key == f"attachment:{attachment.pk}"


# --- The moderators' queue -------------------------------------------------------------------


def test_the_queue_page_reads_a_fixed_number_of_queries_however_long_it_is(
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    moderator: User,
    second_moderator: User,
    signed_in: SignedIn,
) -> None:
    browser = signed_in(moderator)
    url = reverse("safety:queue")

    def add_items(count: int) -> None:
        for number in range(count):
            message = messaging.send(conversation, practitioner, f"See you on day {number}")
            record_detection(
                author=practitioner, conversation=conversation, text="x", categories=["spam"]
            )
            file_report(
                reporter=client_person,
                target=access.target_for_message(client_person, message.pk),
                category="fraud",
                details="",
            )
            action = take_action(
                moderator=second_moderator,
                detection=_detection_of(message),
                kind="warn",
                rule="payments-on-platform",
                reason="No payments outside Casework.",
            )[0]
            appeals.file_appeal(action=action, appellant=practitioner, grounds="Unfair")

    add_items(1)
    browser.get(url)  # warm the session and the caches of the first request
    with CaptureQueriesContext(connection) as few:
        assert browser.get(url).status_code == 200
    add_items(4)
    with CaptureQueriesContext(connection) as many:
        page = browser.get(url).content.decode()
    assert page.count("/moderation/appeals/") == 5
    assert page.count("/moderation/reports/") == 5
    assert page.count("/moderation/detections/") == 5
    assert len(many) == len(few)

"""The messaging pages, as a browser without JavaScript (and htmx) uses them."""

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.messaging import services
from casework.messaging.models import Attachment, Conversation, Message, OfficeHours
from casework.privacy.models import AuditEvent
from casework.registry.reference_data import load_reference_data
from casework.safety.models import Block
from casework.testing import factories, messaging
from casework.testing.directory import registered_practitioner
from casework.testing.messaging import PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]


def page_of(conversation: Conversation) -> str:
    return reverse("messaging:conversation", kwargs={"conversation_id": conversation.pk})


def test_the_conversation_page_shows_the_messages_as_text(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    messaging.send(conversation, practitioner, "<script>alert('x')</script>\n<b>bold</b>")
    page = signed_in(practitioner).get(page_of(conversation)).content.decode()
    assert "Hello, can you help me?" in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<br>&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script>alert" not in page


def test_someone_outside_the_conversation_gets_404_as_for_a_forged_id(
    conversation: Conversation, other_practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(other_practitioner)
    assert browser.get(page_of(conversation)).status_code == 404
    assert browser.post(page_of(conversation), {"body": "Hi"}).status_code == 404
    forged = reverse("messaging:conversation", kwargs={"conversation_id": uuid.uuid4()})
    assert browser.get(forged).status_code == 404
    assert browser.get("/messages/not-a-uuid/").status_code == 404
    assert Message.objects.count() == 1


def test_sending_without_javascript_posts_and_comes_back(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    response = signed_in(practitioner).post(page_of(conversation), {"body": "Yes, I can help."})
    assert response.status_code == 302
    assert response["Location"] == page_of(conversation) + "#latest"
    assert Message.objects.get(seq=2).body == "Yes, I can help."


def test_htmx_gets_an_empty_form_back_and_an_event(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    response = signed_in(practitioner).post(
        page_of(conversation), {"body": "Yes."}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "messaging:sent"
    page = response.content.decode()
    assert page.lstrip().startswith("<form")
    assert "Yes." not in page


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"body": ""}, "Write a message, or attach a file."),
        ({"body": "x" * 1_000_000}, "at most 10000 characters"),
        ({"body": "card 4111 1111 1111 1111"}, "payment card number"),
    ],
    ids=["empty", "one-megabyte", "card-number"],
)
def test_a_bad_message_gets_the_page_back_with_the_reason(
    conversation: Conversation,
    practitioner: User,
    signed_in: SignedIn,
    data: dict[str, str],
    expected: str,
) -> None:
    response = signed_in(practitioner).post(page_of(conversation), data)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert Message.objects.count() == 1


def test_invalid_utf8_is_refused_with_a_reason(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    response = signed_in(practitioner).post(
        page_of(conversation),
        data=b"body=%ff%fe%c3%28hello",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()
    assert Message.objects.count() == 1


def test_a_file_whose_content_lies_about_its_type_is_refused(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    lying = SimpleUploadedFile("photo.png", PDF_BYTES, content_type="image/png")
    response = signed_in(practitioner).post(
        page_of(conversation), {"body": "A photo", "attachment": lying}
    )
    assert response.status_code == 400
    assert "does not match its name" in response.content.decode()
    assert (Message.objects.count(), Attachment.objects.count()) == (1, 0)


def test_participants_download_attachments_as_attachments(
    conversation: Conversation,
    practitioner: User,
    client_person: User,
    other_practitioner: User,
    signed_in: SignedIn,
) -> None:
    upload = SimpleUploadedFile("leaflet", PNG_BYTES, content_type="application/octet-stream")
    signed_in(practitioner).post(page_of(conversation), {"body": "", "attachment": upload})
    attachment = Attachment.objects.get()
    url = reverse(
        "messaging:attachment",
        kwargs={"conversation_id": conversation.pk, "attachment_id": attachment.pk},
    )
    response = Client()
    response.force_login(client_person)
    download = response.get(url)
    assert download.status_code == 200
    assert download.content == PNG_BYTES
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'attachment; filename="leaflet.png"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert AuditEvent.objects.filter(action="messaging.attachment_opened").count() == 1
    outsider = Client()
    outsider.force_login(other_practitioner)
    assert outsider.get(url).status_code == 404


def test_a_deleted_messages_attachment_is_no_longer_served(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    message = messaging.send(conversation, practitioner, "File", files=[messaging.png()])
    attachment = Attachment.objects.get()
    services.delete_message(message=message, person=practitioner)
    url = reverse(
        "messaging:attachment",
        kwargs={"conversation_id": conversation.pk, "attachment_id": attachment.pk},
    )
    assert signed_in(practitioner).get(url).status_code == 404


def test_the_sender_changes_and_deletes_a_message_from_its_page(
    conversation: Conversation, client_person: User, signed_in: SignedIn
) -> None:
    browser = signed_in(client_person)
    message = Message.objects.get(seq=1)
    kwargs = {"conversation_id": conversation.pk, "message_id": message.pk}
    edit = reverse("messaging:edit_message", kwargs=kwargs)
    assert "Hello, can you help me?" in browser.get(edit).content.decode()
    assert browser.post(edit, {"body": "Hello, could you help me?"}).status_code == 302
    page = browser.get(page_of(conversation)).content.decode()
    assert "Hello, could you help me?" in page
    assert "Edited" in page
    assert (
        browser.post(
            reverse("messaging:delete_message", kwargs=kwargs), {"confirmed": "yes"}
        ).status_code
        == 302
    )
    page = browser.get(page_of(conversation)).content.decode()
    assert "This message was deleted." in page
    assert "could you help me" not in page


def test_nobody_else_reaches_the_edit_page(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    message = Message.objects.get(seq=1)
    kwargs = {"conversation_id": conversation.pk, "message_id": message.pk}
    assert (
        signed_in(practitioner).get(reverse("messaging:edit_message", kwargs=kwargs)).status_code
        == 404
    )


def test_opening_the_conversation_marks_it_read_and_shows_receipts(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(client_person)
    assert "data-receipt hidden" in browser.get(page_of(conversation)).content.decode()
    other = Client()
    other.force_login(practitioner)
    other.get(page_of(conversation))
    page = browser.get(page_of(conversation)).content.decode()
    assert re.search(r"data-receipt>\s*Read", page)


def test_the_navigation_says_how_many_messages_are_unread(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    messaging.send(conversation, client_person, "Second")
    messaging.send(conversation, client_person, "Third")
    page = signed_in(practitioner).get(reverse("shell:dashboard")).content.decode()
    assert (
        'Messages <span class="badge"><span class="visually-hidden">, </span>3'
        '<span class="visually-hidden"> unread</span></span>'
    ) in page
    Client().get("/")  # visitors see no count (and cost no query for one)


def test_the_inbox_lists_conversations_with_unread_counts_in_fixed_queries(
    client_person: User, practitioner: User, signed_in: SignedIn, django_assert_num_queries: Any
) -> None:
    browser = signed_in(practitioner)
    browser.get(reverse("messaging:inbox"))  # the first request records the session's device

    def open_inbox() -> str:
        with django_assert_num_queries(
            1  # the session
            + 1  # the person
            # (allauth's activity record of the session: written by the first request, then
            # once a minute, not on each request: accounts.SessionActivityMiddleware)
            + 1  # MFA: does this staff member have a second factor
            + 1  # the unread total, for the navigation
            + 1  # the person's conversations with their unread counts
            + 1  # the other people in them
        ):
            return browser.get(reverse("messaging:inbox")).content.decode()

    messaging.enquiry(client_person, practitioner)
    assert "1 unread" in open_inbox()
    for number in range(5):
        messaging.enquiry(factories.ClientFactory.create(alias=f"Client {number}"), practitioner)
    page = open_inbox()
    assert page.count("Enquiry with") == 6


def test_blocking_from_a_conversation_stops_messages_both_ways(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(client_person)
    block = reverse("messaging:block", kwargs={"conversation_id": conversation.pk})
    assert browser.post(block).status_code == 302
    assert Block.objects.filter(blocker=client_person, blocked=practitioner).exists()
    other = Client()
    other.force_login(practitioner)
    response = other.post(page_of(conversation), {"body": "Are you there?"})
    assert response.status_code == 400
    assert "blocked" in response.content.decode()
    assert Message.objects.count() == 1
    # Lifting the block lets messages through again.
    unblock = reverse("messaging:unblock", kwargs={"person_id": practitioner.pk})
    assert browser.post(unblock).status_code == 302
    assert other.post(page_of(conversation), {"body": "Are you there?"}).status_code == 302


def test_a_client_starts_an_enquiry_from_the_practitioners_address(
    client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    load_reference_data()
    browser = signed_in(client_person)
    start = reverse("messaging:start", kwargs={"person_id": practitioner.pk})
    # Only a practitioner in good standing on a register takes new enquiries.
    assert browser.get(start).status_code == 404
    registered_practitioner(practitioner=practitioner)
    page = browser.get(start).content.decode()
    assert "Where are you?" in page
    refused = browser.post(start, {"body": "Hello"})
    assert refused.status_code == 200
    assert "This field is required" in refused.content.decode()
    response = browser.post(start, {"where": "GB-SCT", "body": "Hello, can you help?"})
    found = Conversation.objects.get()
    assert response["Location"] == page_of(found)
    assert found.client_jurisdiction_id == "GB-SCT"
    # Writing again names the open enquiry and keeps the text (test_reaching_a_practitioner).
    again = browser.post(start, {"where": "GB-SCT", "body": "Hello?"})
    assert again.status_code == 409
    assert page_of(found) in again.content.decode()
    assert Conversation.objects.count() == 1


def test_only_some_pairs_may_start_a_conversation(
    client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    other_client = factories.ClientFactory.create()
    start = reverse("messaging:start", kwargs={"person_id": other_client.pk})
    assert signed_in(client_person).get(start).status_code == 404
    start = reverse("messaging:start", kwargs={"person_id": client_person.pk})
    assert signed_in(practitioner).get(start).status_code == 404


def test_a_practitioner_sets_office_hours(practitioner: User, signed_in: SignedIn) -> None:
    browser = signed_in(practitioner)
    url = reverse("messaging:office_hours")
    assert browser.get(url).status_code == 200
    refused = browser.post(url, {"opens_0": "17:00", "closes_0": "09:00", "opens_1": "09:00"})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "closing time must come after" in page
    assert "Give both times for Tuesday" in page
    assert browser.post(url, {"opens_0": "09:00", "closes_0": "17:30"}).status_code == 302
    window = OfficeHours.objects.get()
    assert (window.weekday, f"{window.opens:%H:%M}", f"{window.closes:%H:%M}") == (
        0,
        "09:00",
        "17:30",
    )


def test_clients_have_no_office_hours_page(client_person: User, signed_in: SignedIn) -> None:
    assert signed_in(client_person).get(reverse("messaging:office_hours")).status_code == 403


def test_closing_an_enquiry(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(practitioner)
    close = reverse("messaging:close_conversation", kwargs={"conversation_id": conversation.pk})
    assert browser.post(close, {"confirmed": "yes"}).status_code == 302
    page = browser.get(page_of(conversation)).content.decode()
    assert "This conversation is closed" in page
    assert 'id="message-form"' not in page


def test_moderators_write_as_the_team_and_keep_their_names_to_themselves(
    client_person: User, moderator: User, signed_in: SignedIn
) -> None:
    conversation = services.start_moderator_conversation(
        moderator=moderator, person=client_person, body="We looked at your report."
    )
    theirs = signed_in(client_person).get(page_of(conversation)).content.decode()
    assert "Casework moderator" in theirs
    assert moderator.legal_name not in theirs
    own = signed_in(moderator).get(page_of(conversation)).content.decode()
    assert "You" in own

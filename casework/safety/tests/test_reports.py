"""Reporting from a message, a profile, an appointment or a person: one form, a reference,
evidence only with consent, and every bad input answered plainly."""

import re
import uuid
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.events.models import OutboxEvent
from casework.messaging.models import Conversation, Message
from casework.privacy.models import AuditEvent
from casework.registry.reference_data import load_reference_data
from casework.safety import access
from casework.safety.models import Report, ReportEvidence
from casework.safety.reports import file_report
from casework.testing import care, messaging, scheduling
from casework.testing.directory import listed_practitioner

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]


def report_url(message: Message) -> str:
    return reverse("safety:report_message", kwargs={"object_id": message.pk})


def _gift_card(conversation: Conversation, practitioner: User) -> Message:
    return messaging.send(conversation, practitioner, "Buy me an Amazon gift card please")


def test_a_client_reports_a_message_with_the_messages_attached_and_gets_a_reference(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    earlier = messaging.send(conversation, practitioner, "We could talk somewhere else")
    reported = _gift_card(conversation, practitioner)
    browser = signed_in(client_person)
    form = browser.get(report_url(reported)).content.decode()
    assert "Buy me an Amazon gift card" in form  # offered as evidence, to the reporter
    response = browser.post(
        report_url(reported),
        {
            "category": "fraud",
            "details": "Asked for a gift card",
            "evidence": [str(earlier.pk), str(reported.pk)],
            "consent": "on",
        },
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("safety:my_report", kwargs={"report_id": report.pk})
    )
    assert re.fullmatch(r"R-[0-9A-Z]{5}-[0-9A-Z]{5}", report.reference)
    assert report.reported == practitioner
    assert report.message == reported
    assert report.severity == 3
    assert report.evidence_consented
    assert set(ReportEvidence.objects.values_list("message_id", flat=True)) == {
        earlier.pk,
        reported.pk,
    }
    assert Report.objects.get().details == "Asked for a gift card"
    assert AuditEvent.objects.filter(action="safety.report_filed").count() == 1
    event = OutboxEvent.objects.get(name="safety.report_filed")
    assert event.payload == {
        "report_id": str(report.pk),
        "reported_id": practitioner.pk,
        "merged": False,
    }
    page = browser.get(response["Location"]).content.decode()
    assert report.reference in page
    assert "Waiting for a moderator" in page


def test_the_reporters_words_are_sealed_at_rest(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    reported = _gift_card(conversation, practitioner)
    report = file_report(
        reporter=client_person,
        target=access.target_for_message(client_person, reported.pk),
        category="fraud",
        details="He asked me for money",
    ).report
    with connection.cursor() as cursor:
        cursor.execute("SELECT details FROM safety_report WHERE id = %s", [report.pk.hex])
        row = cursor.fetchone()
    assert row is not None
    assert b"money" not in bytes(row[0])


def test_ticked_messages_without_consent_are_refused_and_nothing_is_kept(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    reported = _gift_card(conversation, practitioner)
    response = signed_in(client_person).post(
        report_url(reported), {"category": "fraud", "evidence": [str(reported.pk)]}
    )
    assert response.status_code == 400
    assert "Tick the box to agree" in response.content.decode()
    assert not Report.objects.exists()


def test_without_evidence_moderators_get_no_messages(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    reported = _gift_card(conversation, practitioner)
    signed_in(client_person).post(report_url(reported), {"category": "harassment"})
    report = Report.objects.get()
    assert not report.evidence_consented
    assert not ReportEvidence.objects.exists()


def test_a_message_from_another_conversation_cannot_be_slipped_in_as_evidence(
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    other_practitioner: User,
    signed_in: SignedIn,
) -> None:
    reported = _gift_card(conversation, practitioner)
    elsewhere = messaging.consultation(practitioner, other_practitioner, "Private to us")
    foreign = Message.objects.get(conversation=elsewhere)
    response = signed_in(client_person).post(
        report_url(reported),
        {"category": "fraud", "evidence": [str(foreign.pk)], "consent": "on"},
    )
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_message_the_reporter_cannot_see_is_404_like_a_missing_one(
    conversation: Conversation, practitioner: User, other_practitioner: User, signed_in: SignedIn
) -> None:
    reported = _gift_card(conversation, practitioner)
    browser = signed_in(other_practitioner)
    assert browser.get(report_url(reported)).status_code == 404
    assert browser.post(report_url(reported), {"category": "fraud"}).status_code == 404
    missing = reverse("safety:report_message", kwargs={"object_id": uuid.uuid4()})
    assert browser.get(missing).status_code == 404
    assert not Report.objects.exists()


def test_reporting_ones_own_message_is_refused_with_a_reason(
    conversation: Conversation, client_person: User, signed_in: SignedIn
) -> None:
    own = Message.objects.get(conversation=conversation, sender=client_person)
    response = signed_in(client_person).post(report_url(own), {"category": "spam"})
    assert response.status_code == 400
    assert "You cannot report yourself" in response.content.decode()
    assert not Report.objects.exists()


def test_a_second_report_of_the_same_thing_while_open_joins_the_first(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    reported = _gift_card(conversation, practitioner)
    browser = signed_in(client_person)
    browser.post(report_url(reported), {"category": "spam", "details": "First"})
    response = browser.post(
        report_url(reported),
        {"category": "fraud", "details": "Second", "evidence": [str(reported.pk)], "consent": "on"},
    )
    report = Report.objects.get()
    assert report.times_reported == 2
    assert report.severity == 3  # the graver category raises it
    assert report.details == "First\n\nSecond"
    assert report.evidence.count() == 1
    assert "merged=1" in response["Location"]
    assert "already reported this" in browser.get(response["Location"]).content.decode()


def test_report_floods_are_stopped_per_person(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    sent = [messaging.send(conversation, practitioner, f"Offer {i}") for i in range(11)]
    browser = signed_in(client_person)
    statuses = [
        browser.post(report_url(message), {"category": "spam"}).status_code for message in sent
    ]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    assert Report.objects.count() == 10


def test_a_visitor_reports_a_profile_and_follows_it_by_reference(client: Client) -> None:
    load_reference_data()
    slug = listed_practitioner().slug
    url = reverse("safety:report_profile", kwargs={"slug": slug})
    assert client.get(url).status_code == 200
    response = client.post(url, {"category": "impersonation", "details": "Not registered"})
    report = Report.objects.get()
    assert response.status_code == 200
    assert report.reporter is None
    assert report.reference in response.content.decode()
    tracked = client.get(reverse("safety:track_report"), {"reference": report.reference})
    assert "Waiting for a moderator" in tracked.content.decode()
    wrong = client.get(reverse("safety:track_report"), {"reference": "R-00000-00000"})
    assert wrong.status_code == 404
    assert "No report has this reference" in wrong.content.decode()


def test_a_visitors_second_report_of_the_same_profile_joins_the_first(client: Client) -> None:
    load_reference_data()
    slug = listed_practitioner().slug
    url = reverse("safety:report_profile", kwargs={"slug": slug})
    first = client.post(url, {"category": "spam", "details": "First"})
    again = client.post(url, {"category": "impersonation", "details": "Second"})
    report = Report.objects.get()
    assert report.reporter is None
    assert report.times_reported == 2
    assert report.severity == 2  # the graver category raises it
    assert report.details == "First\n\nSecond"
    assert report.reference in first.content.decode()
    assert report.reference in again.content.decode()
    assert "already reported this" in again.content.decode()
    assert client.session["safety.visitor_reports"] == [report.reference]
    # Another visitor's report of the same profile is theirs: it joins nothing.
    Client().post(url, {"category": "spam"})
    assert Report.objects.count() == 2


def test_report_floods_are_stopped_per_address_for_visitors(client: Client) -> None:
    load_reference_data()
    url = reverse("safety:report_profile", kwargs={"slug": listed_practitioner().slug})
    # Each from a browser of its own, on one address: the address's limit, not a person's.
    statuses = [Client().post(url, {"category": "spam"}).status_code for _ in range(31)]
    assert statuses == [200] * 30 + [429]
    assert Report.objects.count() == 30
    refused = client.post(url, {"category": "spam", "details": "One more"})
    assert refused.status_code == 429
    assert "Please wait an hour" in refused.content.decode()
    assert Report.objects.count() == 30


def test_visitors_may_report_profiles_only(conversation: Conversation, client: Client) -> None:
    message = Message.objects.get(conversation=conversation)
    response = client.get(report_url(message))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_profile_not_listed_cannot_be_reported_by_a_visitor(client: Client) -> None:
    url = reverse("safety:report_profile", kwargs={"slug": "nobody-by-this-name"})
    assert client.get(url).status_code == 404


def test_a_client_reports_the_practitioner_of_their_appointment(
    client_person: User, signed_in: SignedIn
) -> None:
    with time_machine.travel(scheduling.NOW, tick=False):
        practitioner, session_type = scheduling.bookable_practitioner()
        appointment = scheduling.book(client_person, session_type, scheduling.THURSDAY_9)
    url = reverse("safety:report_appointment", kwargs={"object_id": appointment.pk})
    browser = signed_in(client_person)
    assert browser.get(url).status_code == 200
    browser.post(url, {"category": "boundary"})
    assert Report.objects.get().reported == practitioner


def test_a_person_one_never_dealt_with_cannot_be_reported_by_id(
    client_person: User, other_practitioner: User, signed_in: SignedIn
) -> None:
    url = reverse("safety:report_person", kwargs={"object_id": other_practitioner.pk})
    assert signed_in(client_person).get(url).status_code == 404


def test_my_reports_lists_only_mine(
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    other_practitioner: User,
    signed_in: SignedIn,
) -> None:
    reported = _gift_card(conversation, practitioner)
    signed_in(client_person).post(report_url(reported), {"category": "fraud"})
    report = Report.objects.get()
    client_page = signed_in(client_person).get(reverse("safety:my_reports")).content.decode()
    assert report.reference in client_page
    other = signed_in(other_practitioner)
    assert report.reference not in other.get(reverse("safety:my_reports")).content.decode()
    assert (
        other.get(reverse("safety:my_report", kwargs={"report_id": report.pk})).status_code == 404
    )


def test_a_practitioner_reports_a_client_from_their_case_and_the_client_from_their_care(
    client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    # A case with neither a conversation nor an appointment (as one taken over can be).
    case = care.open_case(practitioner, client_person)
    url = reverse("safety:report_person", kwargs={"object_id": client_person.pk})
    theirs = signed_in(practitioner)
    page = theirs.get(reverse("care:case", kwargs={"case_id": case.pk})).content.decode()
    assert f'href="{url}"' in page
    assert theirs.get(url).status_code == 200
    theirs.post(url, {"category": "harassment"})
    assert Report.objects.get().reported == client_person

    back = reverse("safety:report_person", kwargs={"object_id": practitioner.pk})
    hers = signed_in(client_person)
    assert f'href="{back}"' in hers.get(reverse("care:my_care")).content.decode()
    hers.post(back, {"category": "boundary"})
    assert Report.objects.filter(reporter=client_person, reported=practitioner).exists()

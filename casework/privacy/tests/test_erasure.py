from datetime import timedelta
from typing import Any

import pytest
from allauth.account.internal.flows.login import record_authentication
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from casework import emails
from casework.accounts.models import User
from casework.care.models import Case, CheckIn
from casework.events.models import EmailDelivery
from casework.messaging.models import Message
from casework.privacy import erasure
from casework.privacy.export import request_export
from casework.privacy.export_archive import build_export
from casework.privacy.models import AuditEvent
from casework.privacy.rights_models import ErasureRequest, ErasureStatus
from casework.privacy.tests.conftest import Practice
from casework.safety.access import target_for_person
from casework.safety.models import ReportCategory
from casework.safety.reports import file_report
from casework.scheduling.services.booking import cancel_appointment
from casework.vault import sealed_text
from casework.vault.errors import VaultError

MARKERS = ("ROBIN-SAYS", "ROBIN-CONTACT", "ROBIN-PLAN", "ROBIN-REASON", "robin@example.org")


def _every_stored_text() -> str:
    """Every row of every table, as text: plaintext left anywhere shows up here."""
    found: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the schema)
            found.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(found)


def _confirmed(browser: Client, person: User) -> Client:
    """Signed in, having just confirmed the password (as the erasure page asks)."""
    browser.force_login(person)
    session = browser.session
    confirming = RequestFactory().post("/accounts/reauthenticate/")
    confirming.session = session
    record_authentication(confirming, person, method="password", reauthenticated=True)
    session.save()
    return browser


def _erase_now(person: User, frozen: Any) -> ErasureRequest:
    request = erasure.request_erasure(person=person)
    frozen.move_to(request.erase_after + timedelta(minutes=1))
    assert erasure.erase_due() == 1
    request.refresh_from_db()
    return request


def test_after_erasure_nothing_of_the_person_remains_readable(
    practice: Practice, frozen: Any
) -> None:
    client = practice.client
    cancel_appointment(appointment=practice.appointment, person=client, reason="ROBIN-REASON")
    emails.send_email(to=[client.email], subject="Hello", body="ROBIN-SAYS waiting email")
    build_export(export_id=str(request_export(person=client).pk))
    assert any(marker in _every_stored_text() for marker in MARKERS[3:])

    request = _erase_now(client, frozen)

    assert request.status == ErasureStatus.DONE
    stored = _every_stored_text()
    for marker in MARKERS:
        assert marker not in stored, marker
    # Robin's messages and Amara's replies to her no longer decrypt; nor her check-in answers.
    for message in Message.objects.filter(conversation=practice.conversation).select_related(
        "conversation__data_key"
    ):
        with pytest.raises(VaultError):
            _ = message.body
    case = Case.objects.select_related("data_key").get(pk=practice.case.pk)
    assert case.emergency_contact is None
    assert case.crisis_plan is None
    assert not CheckIn.objects.filter(case=case, answers__isnull=False).exists()
    assert not CheckIn.objects.filter(case=case, score__isnull=False).exists()
    # Waiting emails to her were emptied; no sealed email in the outbox still names her.
    for delivery in EmailDelivery.objects.exclude(sealed=""):
        opened = sealed_text.open_text(
            delivery.sealed, context=emails.delivery_context(delivery.pk)
        )
        assert client.email.encode() not in opened
    client.refresh_from_db()
    assert not client.is_active
    assert not client.has_usable_password()
    assert AuditEvent.objects.filter(action="privacy.account_erased", subject_id=client.pk).exists()


def test_erasure_keeps_another_clients_data_and_the_practitioners_notes(
    practice: Practice, frozen: Any
) -> None:
    _erase_now(practice.client, frozen)
    kit_message = Message.objects.select_related("conversation__data_key").get(
        conversation=practice.other_conversation, sender=practice.other_client
    )
    assert kit_message.body == "KIT-SAYS something private"
    practice.note.refresh_from_db()
    assert practice.note.content  # kept sealed: the practitioner's regulator requires it


def test_erasure_waits_for_the_cooling_off_period_and_can_be_cancelled(
    practice: Practice, client: Client
) -> None:
    _confirmed(client, practice.client)
    page = client.get(reverse("rights:erasure"))
    assert page.status_code == 200
    assert "case notes" in page.content.decode()  # what is kept, shown before confirming
    assert client.post(reverse("rights:erasure"), {"confirm": "erase"}).status_code == 302
    request = ErasureRequest.objects.get(person=practice.client)
    assert request.erase_after - request.requested_at == timedelta(days=14)
    assert erasure.erase_due(now=timezone.now() + timedelta(days=13)) == 0

    assert client.post(reverse("rights:erasure_cancel")).status_code == 302
    request.refresh_from_db()
    assert request.status == ErasureStatus.CANCELLED
    assert erasure.erase_due(now=timezone.now() + timedelta(days=15)) == 0
    assert User.objects.get(pk=practice.client.pk).is_active


def test_erasure_asks_for_the_password_again(practice: Practice, signed_in: Any) -> None:
    response = signed_in(practice.client).post(reverse("rights:erasure"), {"confirm": "erase"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ErasureRequest.objects.exists()


def test_erasure_without_confirming_is_refused_with_a_reason(
    practice: Practice, client: Client
) -> None:
    response = _confirmed(client, practice.client).post(reverse("rights:erasure"), {})
    assert response.status_code == 400
    assert not ErasureRequest.objects.exists()


def test_a_legal_hold_refuses_erasure_with_its_reason(practice: Practice, client: Client) -> None:
    file_report(
        reporter=practice.practitioner,
        target=target_for_person(practice.practitioner, practice.client.pk),
        category=ReportCategory.HARASSMENT,
        details="",
    )
    response = _confirmed(client, practice.client).post(
        reverse("rights:erasure"), {"confirm": "erase"}
    )
    assert response.status_code == 409
    assert "legal hold" in response.content.decode()
    assert not ErasureRequest.objects.exists()


def test_a_practitioner_with_open_cases_is_asked_to_close_or_transfer_them(
    practice: Practice,
) -> None:
    with pytest.raises(erasure.ErasureRefused) as refused:
        erasure.request_erasure(person=practice.practitioner)
    assert "transfer" in refused.value.holds[0].why

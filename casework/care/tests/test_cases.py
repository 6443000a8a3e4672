"""Cases: opening, status with history, sealed details, online suitability, supervisor."""

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from casework.accounts.models import User
from casework.care.models import (
    Case,
    CaseSource,
    CaseStatus,
    CaseStatusChange,
    CheckIn,
    CheckInStatus,
    OnlineSuitability,
    PlanStatus,
)
from casework.care.services import cases
from casework.messaging.models import Conversation
from casework.privacy.models import AuditEvent
from casework.testing import care, messaging
from casework.testing.scheduling import book, bookable_practitioner
from casework.testing.vault import raw_column
from casework.vault.models import DataKey

pytestmark = pytest.mark.django_db


def test_a_case_has_its_own_data_key_and_starts_with_its_history(
    frozen: Any, practitioner: User, client_person: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = care.open_case(practitioner, client_person, source=CaseSource.ENQUIRY)
    assert case.status == CaseStatus.ENQUIRY
    assert DataKey.objects.get(pk=case.data_key_id).owner == f"case:{case.pk}"
    assert list(case.status_changes.values_list("from_status", "to_status")) == [("", "enquiry")]
    assert AuditEvent.objects.filter(
        action="care.case_opened", subject_id=client_person.pk
    ).exists()
    # A client told by email that their care page is ready, without any detail.
    (email,) = mail.outbox
    assert "/care/my/" in str(email.body)
    assert practitioner.legal_name not in str(email.body)


def test_opening_twice_gives_the_same_case_and_a_booking_activates_an_enquiry(
    frozen: Any, practitioner: User, client_person: User
) -> None:
    first = care.open_case(practitioner, client_person, source=CaseSource.ENQUIRY)
    again = care.open_case(practitioner, client_person, source=CaseSource.BOOKING)
    assert again.pk == first.pk
    assert again.status == CaseStatus.ACTIVE
    assert Case.objects.count() == 1


def test_the_database_refuses_a_second_open_case_for_the_pair(
    frozen: Any, practitioner: User, client_person: User
) -> None:
    case = care.open_case(practitioner, client_person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            practitioner=practitioner,
            client=client_person,
            source="booking",
            data_key=case.data_key,
            opened_at=case.opened_at,
        )


def test_a_case_joins_a_client_and_a_practitioner_only(
    frozen: Any, practitioner: User, other_practitioner: User
) -> None:
    with pytest.raises(ValidationError, match="joins a client and a practitioner"):
        care.open_case(practitioner, other_practitioner)


def test_a_confirmed_first_booking_opens_the_case(
    frozen: Any, client_person: User, django_capture_on_commit_callbacks: Any
) -> None:
    practitioner, session_type = bookable_practitioner()
    from casework.testing.scheduling import THURSDAY_9

    # The case opens once the booking is committed (AppointmentConfirmed, relayed).
    with django_capture_on_commit_callbacks(execute=True):
        book(client_person, session_type, THURSDAY_9)
    case = Case.objects.get(practitioner=practitioner, client=client_person)
    assert case.status == CaseStatus.ACTIVE
    assert case.source == CaseSource.BOOKING
    assert case.client_location_id == "GB-ENG"


def test_status_moves_along_its_transitions_with_reasons_kept_sealed(
    case: Case, practitioner: User
) -> None:
    cases.change_case_status(
        case=case, actor=practitioner, to_status=CaseStatus.PAUSED, reason="Client travelling"
    )
    change = CaseStatusChange.objects.get(case=case, to_status=CaseStatus.PAUSED)
    assert change.reason == "Client travelling"
    assert b"travelling" not in (raw_column(CaseStatusChange, "reason", change.pk) or b"")
    with pytest.raises(ValidationError, match="cannot become"):
        cases.change_case_status(case=case, actor=practitioner, to_status=CaseStatus.ENQUIRY)
    with pytest.raises(ValidationError, match="cannot become"):
        cases.change_case_status(case=case, actor=practitioner, to_status="nonsense")


def test_only_the_practitioner_changes_the_status(case: Case, other_practitioner: User) -> None:
    with pytest.raises(ValidationError):
        cases.change_case_status(case=case, actor=other_practitioner, to_status="closed")


def test_closing_ends_plans_cancels_check_ins_and_closes_the_case_conversation(
    case: Case, practitioner: User
) -> None:
    plan = care.plan(case)
    assert Conversation.objects.filter(kind="case", state="open").count() == 1
    cases.change_case_status(case=case, actor=practitioner, to_status=CaseStatus.CLOSED)
    case.refresh_from_db()
    plan.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
    assert plan.status == PlanStatus.ENDED
    assert not CheckIn.objects.filter(case=case, status=CheckInStatus.OPEN).exists()
    assert Conversation.objects.get(kind="case").state == "closed"
    # Working together again opens a new case.
    again = care.open_case(practitioner, case.client)
    assert again.pk != case.pk


def test_details_are_sealed_in_the_database(case: Case, practitioner: User) -> None:
    cases.update_case_details(
        case=case,
        actor=practitioner,
        client_location=messaging.place("GB-SCT"),
        emergency_contact="Sam, brother, 07700 900123",
        crisis_plan="Call Sam; walk the dog; Samaritans",
    )
    stored = Case.objects.get(pk=case.pk)
    assert stored.emergency_contact == "Sam, brother, 07700 900123"
    assert stored.client_location_id == "GB-SCT"
    for field in ("emergency_contact", "crisis_plan"):
        raw = raw_column(Case, field, case.pk) or b""
        assert b"Sam" not in raw
        assert raw


def test_details_refuse_text_too_long(case: Case, practitioner: User) -> None:
    with pytest.raises(ValidationError, match="at most"):
        cases.update_case_details(
            case=case,
            actor=practitioner,
            client_location=None,
            emergency_contact="x" * 5000,
            crisis_plan="",
        )


def test_not_suitable_needs_the_alternative_offered(case: Case, practitioner: User) -> None:
    with pytest.raises(ValidationError, match="alternative"):
        cases.record_online_suitability(case=case, actor=practitioner, suitable=False)
    cases.record_online_suitability(
        case=case, actor=practitioner, suitable=False, alternative="In person at the hub"
    )
    case.refresh_from_db()
    assert case.online_suitability == OnlineSuitability.NOT_SUITABLE
    assert case.online_alternative == "In person at the hub"


# Pages --------------------------------------------------------------------------------------


def test_the_case_page_shows_the_case_and_records_the_read(
    case: Case, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    response = client.get(f"/care/clients/{case.pk}/")
    assert response.status_code == 200
    assert "Robin" in response.content.decode()
    assert AuditEvent.objects.filter(action="care.case_viewed", actor_id=practitioner.pk).exists()


@pytest.mark.parametrize(
    "path",
    [
        "",
        "details/",
        "status/",
        "online-work/",
        "supervisor/",
        "check-ins/new/",
        "notes/",
        "refer/",
    ],
)
def test_another_practitioner_gets_404_on_every_case_page(
    case: Case, other_practitioner: User, client: Client, path: str
) -> None:
    client.force_login(other_practitioner)
    assert client.get(f"/care/clients/{case.pk}/{path}").status_code == 404


def test_the_details_form_saves_and_explains_bad_input(
    case: Case, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    url = f"/care/clients/{case.pk}/details/"
    bad = client.post(url, {"client_location": "GB-ENG", "emergency_contact": "x" * 4001})
    assert bad.status_code == 400
    assert "x" * 4001 in bad.content.decode()  # nothing lost
    good = client.post(
        url, {"client_location": "GB-ENG", "emergency_contact": "Sam", "crisis_plan": "Walk"}
    )
    assert good.status_code == 302
    case.refresh_from_db()
    assert case.crisis_plan == "Walk"


def test_the_status_page_refuses_an_impossible_change_with_the_reason(
    case: Case, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    response = client.post(f"/care/clients/{case.pk}/status/", {"to_status": "enquiry"})
    assert response.status_code == 400
    assert "cannot become" in response.content.decode()


def test_taking_on_an_enquiry_opens_the_case_from_the_conversation(
    frozen: Any, practitioner: User, client_person: User, client: Client
) -> None:
    conversation = messaging.enquiry(client_person, practitioner, where="GB-SCT")
    client.force_login(practitioner)
    response = client.post(f"/care/enquiries/{conversation.pk}/take-on/")
    case = Case.objects.get(practitioner=practitioner, client=client_person)
    assert response.status_code == 302
    assert str(case.pk) in response["Location"]
    assert case.status == CaseStatus.ENQUIRY
    assert case.client_location_id == "GB-SCT"


def test_only_the_enquirys_practitioner_takes_it_on(
    frozen: Any, practitioner: User, other_practitioner: User, client_person: User, client: Client
) -> None:
    conversation = messaging.enquiry(client_person, practitioner)
    client.force_login(other_practitioner)
    assert client.post(f"/care/enquiries/{conversation.pk}/take-on/").status_code == 404
    assert client.get(f"/care/enquiries/{conversation.pk}/take-on/").status_code == 405
    assert not Case.objects.exists()


def test_moving_a_booking_does_not_reopen_a_closed_case(
    frozen: Any, client_person: User, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from casework.scheduling.services import booking
    from casework.testing.scheduling import THURSDAY_9

    practitioner, session_type = bookable_practitioner()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(client_person, session_type, THURSDAY_9)
    case = Case.objects.get(practitioner=practitioner, client=client_person)
    cases.change_case_status(
        case=case, actor=practitioner, to_status=CaseStatus.CLOSED, reason="Transferred"
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking.reschedule_appointment(
            appointment=appointment,
            person=client_person,
            starts_at=THURSDAY_9 + timedelta(hours=1),
        )
    assert list(Case.objects.filter(practitioner=practitioner, client=client_person)) == [case]
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_a_booking_the_practitioner_confirms_opens_the_case_then(
    frozen: Any, client_person: User, django_capture_on_commit_callbacks: Any
) -> None:
    from casework.scheduling.models import AppointmentStatus, PractitionerSchedule
    from casework.scheduling.services import booking
    from casework.testing.scheduling import THURSDAY_9

    practitioner, session_type = bookable_practitioner()
    PractitionerSchedule.objects.filter(practitioner=practitioner).update(
        confirm_first_sessions=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        requested = book(client_person, session_type, THURSDAY_9)
    assert requested.status == AppointmentStatus.REQUESTED
    assert not Case.objects.filter(practitioner=practitioner, client=client_person).exists()
    with django_capture_on_commit_callbacks(execute=True):
        booking.confirm_appointment(appointment=requested, practitioner=practitioner)
    case = Case.objects.get(practitioner=practitioner, client=client_person)
    assert case.status == CaseStatus.ACTIVE


def test_a_practitioner_the_client_blocked_cannot_take_on_the_enquiry(
    frozen: Any, practitioner: User, client_person: User, client: Client
) -> None:
    from casework.safety.blocks import block_person

    conversation = messaging.enquiry(client_person, practitioner)
    block_person(blocker=client_person, blocked=practitioner)
    mail.outbox.clear()
    client.force_login(practitioner)
    response = client.post(f"/care/enquiries/{conversation.pk}/take-on/", follow=True)
    assert "blocked" in response.content.decode()
    assert not Case.objects.exists()
    assert mail.outbox == []
    with pytest.raises(ValidationError, match="blocked"):
        cases.take_on_enquiry(practitioner=practitioner, conversation=conversation)
    with pytest.raises(ValidationError, match="blocked"):
        cases.open_case(practitioner=practitioner, client=client_person, source="enquiry")
    assert not Case.objects.exists()


def test_an_enquiry_the_client_closed_cannot_become_a_case(
    frozen: Any,
    practitioner: User,
    client_person: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from casework.messaging.services import close_conversation

    conversation = messaging.enquiry(client_person, practitioner)
    close_conversation(conversation=conversation, actor=client_person)
    mail.outbox.clear()
    client.force_login(practitioner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/care/enquiries/{conversation.pk}/take-on/", follow=True)
    assert "This enquiry is closed" in response.content.decode()
    assert not Case.objects.exists()
    assert mail.outbox == []
    with pytest.raises(ValidationError, match="closed"):
        cases.take_on_enquiry(practitioner=practitioner, conversation=conversation)

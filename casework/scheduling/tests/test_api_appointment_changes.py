"""Moving and cancelling an appointment through /api/v1: the pages' access helper and booking
service, so each persona gets from the API what the page gives them, with the same audit."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.privacy.models import AuditEvent
from casework.scheduling import slots
from casework.scheduling.models import Appointment, AppointmentStatus, SessionType
from casework.testing.scheduling import THURSDAY_9, book

pytestmark = pytest.mark.django_db

THURSDAY_10 = THURSDAY_9 + timedelta(hours=1)


def token_of(person: User, scope: str = "scheduling:write") -> str:
    return create_api_token(person=person, name="App", scopes=[scope], days=7, now=timezone.now())[
        1
    ]


def api_post(person: User, path: str, body: dict[str, Any], key: str = "") -> Any:
    headers = {"Authorization": f"Bearer {token_of(person)}"}
    if key:
        headers["Idempotency-Key"] = key
    return Client().post(
        f"/api/v1/appointments/{path}", body, content_type="application/json", headers=headers
    )


@pytest.fixture
def appointment(session_type: SessionType, client_person: User) -> Appointment:
    return book(client_person, session_type, THURSDAY_9)


def test_the_client_cancels_with_a_reason_and_the_cancellation_is_audited(
    appointment: Appointment, client_person: User
) -> None:
    answer = api_post(client_person, f"{appointment.pk}/cancel", {"reason": "Working late"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "cancelled"
    assert answer.json()["late_cancellation"] is False
    appointment.refresh_from_db()
    assert appointment.reason_given == "Working late"
    event = AuditEvent.objects.get(action="scheduling.appointment_cancelled")
    assert event.actor_id == client_person.pk
    assert event.detail["by_client"] is True
    again = api_post(client_person, f"{appointment.pk}/cancel", {})
    assert again.status_code == 409
    assert "no longer open" in again.json()["error"]["message"]


def test_inside_the_notice_a_clients_cancellation_is_late_and_a_move_is_refused(
    appointment: Appointment, client_person: User, frozen: Any
) -> None:
    frozen.move_to(THURSDAY_9 - timedelta(hours=3))
    moved = api_post(client_person, f"{appointment.pk}/reschedule", {"slot_id": "x"})
    assert moved.status_code == 400
    assert "slot_id" in moved.json()["error"]["fields"]
    moved = api_post(
        client_person, f"{appointment.pk}/reschedule", {"slot_id": slots.slot_id(THURSDAY_10)}
    )
    assert moved.status_code == 409
    assert moved.json()["error"]["code"] == "too_late"
    cancelled = api_post(client_person, f"{appointment.pk}/cancel", {})
    assert cancelled.status_code == 200
    assert cancelled.json()["late_cancellation"] is True
    assert AuditEvent.objects.get(action="scheduling.appointment_cancelled").detail["late"]


def test_the_practitioner_cancelling_late_is_never_a_late_cancellation(
    appointment: Appointment, practitioner: User, frozen: Any
) -> None:
    frozen.move_to(THURSDAY_9 - timedelta(hours=3))
    cancelled = api_post(practitioner, f"{appointment.pk}/cancel", {"reason": "Unwell"})
    assert cancelled.status_code == 200
    assert cancelled.json()["late_cancellation"] is False


def test_either_party_moves_it_to_a_free_slot_and_a_taken_one_says_the_next(
    appointment: Appointment, session_type: SessionType, client_person: User, practitioner: User
) -> None:
    moved = api_post(
        client_person, f"{appointment.pk}/reschedule", {"slot_id": slots.slot_id(THURSDAY_10)}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["start"].startswith("2026-06-04T09:00")
    event = AuditEvent.objects.get(action="scheduling.appointment_rescheduled")
    assert event.actor_id == client_person.pk
    from casework.testing.scheduling import another_client

    book(another_client(), session_type, THURSDAY_9)
    taken = api_post(
        practitioner, f"{appointment.pk}/reschedule", {"slot_id": slots.slot_id(THURSDAY_9)}
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "slot_unavailable"
    assert taken.json()["error"]["next_free_slot_id"]


def test_an_idempotency_key_replays_the_first_result_and_refuses_another_request(
    appointment: Appointment, client_person: User
) -> None:
    first = api_post(client_person, f"{appointment.pk}/cancel", {"reason": "Ill"}, key="c-1")
    assert first.status_code == 200
    replay = api_post(client_person, f"{appointment.pk}/cancel", {"reason": "Ill"}, key="c-1")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    other = api_post(client_person, f"{appointment.pk}/cancel", {"reason": "Away"}, key="c-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert AuditEvent.objects.filter(action="scheduling.appointment_cancelled").count() == 1


def test_a_read_token_cannot_cancel(appointment: Appointment, client_person: User) -> None:
    answer = Client().post(
        f"/api/v1/appointments/{appointment.pk}/cancel",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_of(client_person, 'scheduling:read')}"},
    )
    assert answer.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def _outcome(call: Callable[[], Any], appointment: Appointment) -> tuple[object, ...]:
    """What a request came to (done, or its refusal's status) and the appointment after it;
    then undone, so that the next request meets the same appointment."""
    savepoint = transaction.savepoint()
    response = call()
    appointment.refresh_from_db()
    back_to_it = reverse("scheduling:appointment", kwargs={"appointment_id": appointment.pk})
    done = response.status_code == 200 or (
        response.status_code == 302 and response["Location"] == back_to_it
    )
    after = (
        "done" if done else str(response.status_code),
        appointment.status,
        appointment.late_cancellation,
        appointment.starts_at,
    )
    transaction.savepoint_rollback(savepoint)
    appointment.refresh_from_db()
    return after


@pytest.mark.parametrize("hours_before", [30, 3])
@pytest.mark.parametrize(
    "persona", ["client_person", "practitioner", "other_practitioner", "moderator", "officer"]
)
def test_the_api_cancels_exactly_when_and_as_the_page_does(
    appointment: Appointment,
    frozen: Any,
    persona: str,
    hours_before: int,
    request: pytest.FixtureRequest,
) -> None:
    frozen.move_to(THURSDAY_9 - timedelta(hours=hours_before))
    person: User = request.getfixturevalue(persona)
    browser = Client()
    browser.force_login(person)
    page = reverse("scheduling:cancel_appointment", kwargs={"appointment_id": appointment.pk})
    by_page = _outcome(lambda: browser.post(page, {"reason": "Sorry"}), appointment)
    by_api = _outcome(
        lambda: api_post(person, f"{appointment.pk}/cancel", {"reason": "Sorry"}), appointment
    )
    assert by_api == by_page


@pytest.mark.parametrize(
    "persona", ["client_person", "practitioner", "other_practitioner", "moderator", "officer"]
)
def test_the_api_moves_exactly_when_the_page_does(
    appointment: Appointment, persona: str, request: pytest.FixtureRequest
) -> None:
    person: User = request.getfixturevalue(persona)
    browser = Client()
    browser.force_login(person)
    page = reverse("scheduling:reschedule_appointment", kwargs={"appointment_id": appointment.pk})
    to = slots.slot_id(THURSDAY_10)
    by_page = _outcome(lambda: browser.post(page, {"start": to}), appointment)
    by_api = _outcome(
        lambda: api_post(person, f"{appointment.pk}/reschedule", {"slot_id": to}), appointment
    )
    assert by_api == by_page


def test_a_reason_that_is_no_text_is_refused_with_the_forms_words(
    appointment: Appointment, client_person: User
) -> None:
    refused = api_post(client_person, f"{appointment.pk}/cancel", {"reason": "a\x00b"})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["reason"]
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED

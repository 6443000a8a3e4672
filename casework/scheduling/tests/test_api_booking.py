"""Booking through /api/v1 with a personal access token: the site's booking service, and an
``Idempotency-Key`` that makes a retry return the first appointment."""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.scheduling.models import Appointment, SessionType
from casework.testing.scheduling import another_client

pytestmark = pytest.mark.django_db

SLOT = "2026-06-04T08:00Z"


def token_of(person: User, scope: str = "scheduling:write") -> str:
    return create_api_token(person=person, name="App", scopes=[scope], days=7, now=timezone.now())[
        1
    ]


def book(token: str, session_type: SessionType, slot: str = SLOT, key: str = "") -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return Client().post(
        "/api/v1/appointments",
        {"session_type": session_type.pk, "slot_id": slot, "where": "GB-ENG"},
        content_type="application/json",
        headers=headers,
    )


def test_a_client_books_a_free_slot_and_a_replay_returns_the_first_booking(
    session_type: SessionType, client_person: User
) -> None:
    token = token_of(client_person)
    first = book(token, session_type, key="booking-1")
    assert first.status_code == 201, first.content
    again = book(token, session_type, key="booking-1")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Appointment.objects.count() == 1
    other = book(token, session_type, "2026-06-04T09:00Z", key="booking-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1


def test_a_slot_taken_answers_409_with_the_next_free_one(
    session_type: SessionType, client_person: User
) -> None:
    assert book(token_of(client_person), session_type).status_code == 201
    taken = book(token_of(another_client()), session_type)
    assert taken.status_code == 409
    error = taken.json()["error"]
    assert error["code"] == "slot_unavailable"
    assert error["next_free_slot_id"]


def test_only_clients_book_and_bad_slots_get_a_reason(
    session_type: SessionType, client_person: User, other_practitioner: User
) -> None:
    refused = book(token_of(other_practitioner), session_type)
    assert refused.status_code == 403
    bad = book(token_of(client_person), session_type, "tomorrow")
    assert bad.status_code == 400
    assert "slot_id" in bad.json()["error"]["fields"]
    reader = book(token_of(client_person, "scheduling:read"), session_type)
    assert reader.status_code == 403

"""/api/v1: a practitioner's free slots (public) and one's own appointments (signed in)."""

import pytest
from django.test import Client

from casework.accounts.models import User
from casework.registry.models import RegisterEntry
from casework.scheduling.models import SessionType
from casework.testing import factories
from casework.testing.scheduling import THURSDAY_9, book

pytestmark = pytest.mark.django_db


def slots_url(practitioner: User) -> str:
    return f"/api/v1/practitioners/{practitioner.pk}/slots"


def test_anyone_reads_the_free_slots_of_a_practitioner_taking_bookings(
    client: Client, session_type: SessionType, practitioner: User
) -> None:
    body = client.get(slots_url(practitioner), {"until": "2026-06-05T00:00Z"}).json()
    assert body["time_zone"] == "Europe/London"
    assert body["session_types"][0]["currency"] == "GBP"
    starts = [row["start"] for row in body["slots"]]
    assert starts[0] == "2026-06-04T08:00:00Z"
    assert body["slots"][0]["slot_id"] == "2026-06-04T08:00Z"
    assert len(starts) == 15  # 09:00 to 16:00 London, every half hour


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"since": "2026-06-10T00:00Z", "until": "2026-06-05T00:00Z"}, 400),
        ({"until": "2026-09-01T00:00Z"}, 400),
        ({"since": "2026-06-04T08:00"}, 400),
        ({"since": "yesterday"}, 422),
        # Times where the arithmetic on them would leave datetime's range (once a 500).
        ({"since": "9999-12-31T00:00Z"}, 400),
        ({"until": "9999-12-31T23:59Z"}, 400),
        ({"since": "0001-01-01T00:00Z"}, 400),
        ({"since": "0001-01-01T00:00Z", "until": "0001-01-05T00:00Z"}, 400),
        ({"since": "2027-08-01T00:00Z"}, 400),
        ({"session_type": "999999"}, 404),
    ],
)
def test_bad_questions_get_a_reason(
    client: Client,
    session_type: SessionType,
    practitioner: User,
    query: dict[str, str],
    status: int,
) -> None:
    response = client.get(slots_url(practitioner), query)
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_a_suspended_or_unknown_practitioner_has_no_slots(
    client: Client, session_type: SessionType, practitioner: User, client_person: User
) -> None:
    RegisterEntry.objects.filter(claims__practitioner=practitioner).update(status="suspended")
    assert client.get(slots_url(practitioner)).status_code == 404
    assert client.get(slots_url(client_person)).status_code == 404
    assert client.get("/api/v1/practitioners/999999/slots").status_code == 404


def test_people_read_their_own_appointments_only(
    session_type: SessionType, practitioner: User, client_person: User, other_practitioner: User
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    assert Client().get("/api/v1/appointments").status_code == 401
    mine = Client()
    mine.force_login(client_person)
    (row,) = mine.get("/api/v1/appointments").json()
    assert row["id"] == appointment.pk
    assert row["with"] == "Amara Okafor"
    assert row["status"] == "confirmed"
    assert row["start"] == "2026-06-04T08:00:00Z"
    theirs = Client()
    theirs.force_login(practitioner)
    assert theirs.get("/api/v1/appointments").json()[0]["with"] == "Robin"
    stranger = Client()
    stranger.force_login(other_practitioner)
    assert stranger.get("/api/v1/appointments").json() == []


def test_staff_without_a_second_factor_get_401_for_their_appointments(
    session_type: SessionType, client_person: User
) -> None:
    # The API stands outside the middleware that asks staff for a second factor on pages.
    book(client_person, session_type, THURSDAY_9)
    no_mfa = Client()
    no_mfa.force_login(factories.PractitionerFactory.create(totp=False))
    assert no_mfa.get("/api/v1/appointments").status_code == 401
    with_mfa = Client()
    with_mfa.force_login(factories.PractitionerFactory.create())
    assert with_mfa.get("/api/v1/appointments").json() == []

"""The booking flow and the appointment pages, through the test client and the real database."""

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.accounts.models import User
from casework.registry.models import RegisterEntry
from casework.scheduling import slots
from casework.scheduling.models import (
    Appointment,
    AppointmentStatus,
    PractitionerSchedule,
    SessionType,
)
from casework.scheduling.services import booking
from casework.testing.scheduling import THURSDAY_9, another_client, book

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]
THURSDAY_9_ID = slots.slot_id(THURSDAY_9)


def confirm_url(
    session_type: SessionType, start: str = THURSDAY_9_ID, where: str = "GB-ENG"
) -> str:
    query = urlencode({"session": session_type.pk, "start": start, "where": where})
    return f"{reverse('scheduling:confirm_booking')}?{query}"


def post_booking(client: Client, session_type: SessionType, **overrides: str) -> Any:
    data = {
        "session": str(session_type.pk),
        "start": THURSDAY_9_ID,
        "where": "GB-ENG",
        "idempotency_key": str(uuid.uuid4()),
    } | overrides
    return client.post(reverse("scheduling:confirm_booking"), data)


def test_the_profile_panel_lists_free_times_that_lead_to_the_confirm_step(
    session_type: SessionType, practitioner: User, client_person: User
) -> None:
    request = RequestFactory().get("/practitioners/amara/")
    request.user = client_person  # Robin reads times in UTC, her zone
    page = render_to_string(
        "scheduling/profile_booking.html",
        {"practitioner": practitioner, "where": "GB-ENG"},
        request=request,
    )
    assert "Thursday 4 June" in page
    assert ">08:00<" in page  # 09:00 in London
    assert f"start={THURSDAY_9_ID.replace(':', '%3A')}" in page
    assert "where=GB-ENG" in page
    assert "Times in your time zone (UTC)" in page


def test_the_panel_says_so_where_the_practitioner_may_not_practise(
    session_type: SessionType, practitioner: User
) -> None:
    request = RequestFactory().get("/practitioners/amara/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    page = render_to_string(
        "scheduling/profile_booking.html",
        {"practitioner": practitioner, "where": "IE"},
        request=request,
    )
    assert "is required" in page
    assert "book/confirm" not in page


def test_a_visitor_sees_the_times_in_the_practitioners_zone_and_signs_in_to_book(
    client: Client, session_type: SessionType, practitioner: User
) -> None:
    page = client.get(reverse("scheduling:practitioner_times", args=[practitioner.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Times in United Kingdom, the social worker's time zone" in text
    assert ">09:00<" in text
    response = client.get(confirm_url(session_type))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_the_week_pages_answer_htmx_with_the_times_only(
    client: Client, session_type: SessionType, practitioner: User
) -> None:
    url = reverse("scheduling:practitioner_times", args=[practitioner.pk])
    partial = client.get(url, {"week": "1"}, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="times"')
    assert "<html" not in partial
    assert client.get(url, {"week": "nonsense"}).status_code == 200


def test_the_confirm_step_shows_the_time_in_the_clients_zone_and_the_policy(
    signed_in: SignedIn, session_type: SessionType, client_person: User, practitioner: User
) -> None:
    client_person.time_zone = "Asia/Tokyo"
    client_person.save()
    PractitionerSchedule.objects.filter(practitioner=practitioner).update(
        confirm_first_sessions=True
    )
    page = signed_in(client_person).get(confirm_url(session_type)).content.decode()
    assert "Thursday, 4 June 2026, 17:00" in page
    assert "(Japan)" in page
    assert "awaits the practitioner's confirmation" in page
    assert "up to 24 hours before it starts" in page
    assert "Where will you be during the session?" in page
    assert 'value="GB-ENG" selected' in page


def test_confirming_books_and_lands_on_the_appointment(
    signed_in: SignedIn, session_type: SessionType, client_person: User
) -> None:
    client = signed_in(client_person)
    response = post_booking(client, session_type)
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:appointment", args=[appointment.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Your appointment" in page
    assert "Confirmed" in page
    assert "Add to your calendar (.ics)" in page


def test_a_retried_submit_lands_on_the_same_appointment(
    signed_in: SignedIn, session_type: SessionType, client_person: User
) -> None:
    client = signed_in(client_person)
    key = str(uuid.uuid4())
    first = post_booking(client, session_type, idempotency_key=key)
    second = post_booking(client, session_type, idempotency_key=key)
    assert first["Location"] == second["Location"]
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    "start",
    ["", "2026-06-04", "2026-06-04T08:10Z", "2020-01-01T08:00Z", "9999-99-99T99:99Z", "x" * 5000],
)
def test_a_tampered_time_gets_a_clear_message_and_nothing_is_stored(
    signed_in: SignedIn, session_type: SessionType, client_person: User, start: str
) -> None:
    client = signed_in(client_person)
    for response in (
        client.get(confirm_url(session_type, start=start)),
        post_booking(client, session_type, start=start),
    ):
        assert response.status_code == 200, response.request
        assert "This time is not available" in response.content.decode(), response.request
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("session", ["", "999999", "abc", "-1", "1" * 40])
def test_a_tampered_session_answers_404(
    signed_in: SignedIn, session_type: SessionType, client_person: User, session: str
) -> None:
    client = signed_in(client_person)
    assert client.get(confirm_url(session_type) + f"&session={session}").status_code in (404,)
    assert post_booking(client, session_type, session=session).status_code == 404


def test_a_time_just_taken_offers_the_next_one(
    signed_in: SignedIn, session_type: SessionType, client_person: User
) -> None:
    book(another_client(), session_type, THURSDAY_9)
    page = post_booking(signed_in(client_person), session_type).content.decode()
    assert "This time was just taken" in page
    assert "The next free time is" in page
    assert slots.slot_id(THURSDAY_9 + timedelta(hours=1)).replace(":", "%3A") in page


def test_the_reason_is_shown_where_the_practitioner_may_not_practise(
    signed_in: SignedIn, session_type: SessionType, client_person: User
) -> None:
    page = post_booking(signed_in(client_person), session_type, where="IE").content.decode()
    assert "registration with" in page
    assert "is required" in page
    assert not Appointment.objects.exists()


def test_a_suspended_practitioner_cannot_be_booked_and_the_page_says_why(
    signed_in: SignedIn, session_type: SessionType, client_person: User, practitioner: User
) -> None:
    RegisterEntry.objects.filter(claims__practitioner=practitioner).update(status="suspended")
    client = signed_in(client_person)
    page = client.get(confirm_url(session_type)).content.decode()
    assert "cannot take new bookings" in page
    assert "Book this time" not in page
    assert "not in good standing" in post_booking(client, session_type).content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "value", ["", "<script>alert(1)</script>", "x" * 10_000, "\x00", "' OR 1=1 --", "😀" * 100]
)
def test_hostile_values_on_the_confirm_step_never_fail(
    signed_in: SignedIn, session_type: SessionType, client_person: User, value: str
) -> None:
    client = signed_in(client_person)
    for field in ["start", "where", "idempotency_key"]:
        response = post_booking(client, session_type, **{field: value})
        assert response.status_code == 200, field
        page = response.content.decode()
        assert "form-errors" in page or "field-errors" in page, field
    assert not Appointment.objects.exists()


def page_queries(client: Client, url: str) -> tuple[str, list[str]]:
    """The page, and the SQL it ran (the session and sign-in queries of other apps included)."""
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).content.decode()
    return page, [query["sql"] for query in captured.captured_queries]


def scheduling_queries(queries: list[str]) -> list[str]:
    return [sql for sql in queries if "scheduling_" in sql]


def test_the_clients_list_costs_the_same_however_many_appointments(
    signed_in: SignedIn, session_type: SessionType, client_person: User
) -> None:
    client = signed_in(client_person)
    url = reverse("scheduling:my_appointments")
    for days in range(2):
        book(client_person, session_type, THURSDAY_9 + timedelta(days=days))
    cancelled = book(client_person, session_type, THURSDAY_9 + timedelta(days=5))
    booking.cancel_appointment(appointment=cancelled, person=client_person)
    client.get(url)  # the first request of a session records it
    page, few = page_queries(client, url)
    # Two of scheduling's: the coming appointments and the earlier ones, each with its
    # session type and practitioner joined.
    assert len(scheduling_queries(few)) == 2
    for days in range(2, 8):
        book(client_person, session_type, THURSDAY_9 + timedelta(days=days, hours=2))
    _page, many = page_queries(client, url)
    assert len(many) == len(few)
    assert len(re.findall(r'href="/appointments/\d+/"', page)) == 3
    assert "Amara Okafor" in page


def test_the_practitioners_list_puts_requests_first_and_costs_the_same(
    signed_in: SignedIn, session_type: SessionType, practitioner: User
) -> None:
    PractitionerSchedule.objects.filter(practitioner=practitioner).update(
        confirm_first_sessions=True
    )
    request = book(another_client(alias="Sky"), session_type, THURSDAY_9 + timedelta(days=2))
    client = signed_in(practitioner)
    url = reverse("scheduling:practitioner_appointments")
    client.get(url)
    page, few = page_queries(client, url)
    # Two of scheduling's: the coming appointments (requests and confirmed) and the last
    # month's, each with its session type and client joined.
    assert len(scheduling_queries(few)) == 2
    assert page.index("Awaiting your confirmation") < page.index("Sky") < page.index("Coming up")
    for days in range(3, 7):
        book(another_client(), session_type, THURSDAY_9 + timedelta(days=days))
    _page, many = page_queries(client, url)
    assert len(many) == len(few)
    response = client.post(
        reverse("scheduling:confirm_appointment", args=[request.pk]), {"next": url}
    )
    assert response["Location"] == url
    request.refresh_from_db()
    assert request.status == AppointmentStatus.CONFIRMED


def test_nobody_else_sees_an_appointment(
    signed_in: SignedIn,
    session_type: SessionType,
    client_person: User,
    other_practitioner: User,
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    for person in (another_client(), other_practitioner):
        client = Client()
        client.force_login(person)
        for name in [
            "appointment",
            "appointment_ics",
            "cancel_appointment",
            "reschedule_appointment",
        ]:
            assert (
                client.get(reverse(f"scheduling:{name}", args=[appointment.pk])).status_code == 404
            )
    client = Client()
    client.force_login(other_practitioner)
    for name in ["confirm_appointment", "decline_appointment", "record_no_show"]:
        assert client.post(reverse(f"scheduling:{name}", args=[appointment.pk])).status_code == 404
    assert (
        client.get(reverse("scheduling:confirm_appointment", args=[appointment.pk])).status_code
        == 405
    )


def test_the_practitioner_confirms_a_first_session_from_its_page(
    signed_in: SignedIn, session_type: SessionType, client_person: User, practitioner: User
) -> None:
    PractitionerSchedule.objects.filter(practitioner=practitioner).update(
        confirm_first_sessions=True
    )
    appointment = book(client_person, session_type, THURSDAY_9)
    client_page = Client()
    client_page.force_login(client_person)
    assert (
        "awaits the practitioner's confirmation"
        in client_page.get(
            reverse("scheduling:appointment", args=[appointment.pk])
        ).content.decode()
    )
    client = signed_in(practitioner)
    page = client.get(reverse("scheduling:appointment", args=[appointment.pk])).content.decode()
    assert "Appointment with Robin" in page
    client.post(reverse("scheduling:confirm_appointment", args=[appointment.pk]))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def test_a_client_cancels_and_reschedules_through_the_pages(
    signed_in: SignedIn, session_type: SessionType, client_person: User
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9 + timedelta(days=2))
    client = signed_in(client_person)
    reschedule = reverse("scheduling:reschedule_appointment", args=[appointment.pk])
    page = client.get(reschedule).content.decode()
    new_start = slots.slot_id(THURSDAY_9 + timedelta(days=2, hours=3))
    assert f'value="{new_start}"' in page
    response = client.post(reschedule, {"start": new_start})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert slots.slot_id(appointment.starts_at) == new_start
    assert (
        "This time is not available"
        in client.post(reschedule, {"start": "garbage"}).content.decode()
    )
    cancel = reverse("scheduling:cancel_appointment", args=[appointment.pk])
    assert "nothing to pay" in client.get(cancel).content.decode()
    client.post(cancel, {"reason": "Feeling better"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    # Sealed in the database, read on the appointment's page.
    assert "Feeling better" not in appointment.end_reason
    shown = client.get(reverse("scheduling:appointment", args=[appointment.pk]))
    assert "Feeling better" in shown.content.decode()
    assert "This appointment can no longer be cancelled" in client.get(cancel).content.decode()


def test_wrong_methods_get_405(
    signed_in: SignedIn, session_type: SessionType, practitioner: User
) -> None:
    client = signed_in(practitioner)
    for name in ["update_rules", "add_window", "add_exception", "add_session_type"]:
        assert client.get(reverse(f"scheduling:{name}")).status_code == 405
    assert client.put(reverse("scheduling:availability")).status_code == 405


@pytest.mark.parametrize("start", ["9999-12-31T23:59Z", "0001-01-01T00:00Z", "2030-01-01T09:00Z"])
def test_a_slot_id_no_slot_could_have_is_refused_like_a_tampered_one(
    signed_in: SignedIn, session_type: SessionType, client_person: User, start: str
) -> None:
    # Years 1 and 9999 once reached ``start + duration`` and the busy search's day either
    # side, and answered 500 with an OverflowError.
    client = signed_in(client_person)
    page = client.get(confirm_url(session_type, start=start))
    assert page.status_code == 200
    assert "This time is not available" in page.content.decode()
    posted = post_booking(client, session_type, start=start)
    assert posted.status_code == 200
    assert "This time is not available" in posted.content.decode()
    appointment = book(client_person, session_type, THURSDAY_9)
    reschedule = reverse("scheduling:reschedule_appointment", args=[appointment.pk])
    moved = client.post(reschedule, {"start": start})
    assert moved.status_code == 200
    assert "This time is not available" in moved.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at == THURSDAY_9
    assert Appointment.objects.count() == 1

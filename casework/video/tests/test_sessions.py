"""The join page and its forms: who gets in, when, and what each party sees at the start."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from casework.accounts.models import User
from casework.care.models import Case, Technology
from casework.care.services.consents import withdraw_consent
from casework.care.timeline import case_timeline
from casework.events.models import OutboxEvent
from casework.messaging.models import Conversation
from casework.privacy import actions
from casework.privacy.models import AuditEvent
from casework.safety.crisis import crisis_resources_for
from casework.scheduling.models import Appointment, AppointmentStatus
from casework.scheduling.services.booking import cancel_appointment
from casework.testing import scheduling
from casework.testing.factories import ClientFactory
from casework.testing.messaging import place
from casework.video import services
from casework.video.models import IdentityMethod, Outcome, SessionState, VideoSession
from casework.video.turn import coturn_credential

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]


def _url(name: str, appointment: Appointment) -> str:
    return reverse(f"video:{name}", kwargs={"appointment_id": appointment.pk})


def _arrive(browser: Client, appointment: Appointment, where: str = "GB-ENG") -> Any:
    return browser.post(_url("confirm_place", appointment), {"place-where": where})


# --- Refusals -------------------------------------------------------------------------------


def test_a_third_person_gets_404_from_every_address(
    in_window: Any, appointment: Appointment, signed_in: SignedIn, other_practitioner: User
) -> None:
    stranger = ClientFactory.create()
    for person in (other_practitioner, stranger):
        browser = signed_in(person)
        assert browser.get(_url("join", appointment)).status_code == 404
        assert _arrive(browser, appointment).status_code in (403, 404)
        assert browser.post(_url("admit", appointment)).status_code in (403, 404)
    assert not VideoSession.objects.exists()


def test_the_client_cannot_join_before_the_window_opens(
    case: Case, appointment: Appointment, signed_in: SignedIn, client_person: User
) -> None:
    browser = signed_in(client_person)
    page = browser.get(_url("join", appointment))
    assert page.status_code == 200
    assert page.context["stage"] == "refused"
    assert page.context["refused"].code == "too_early"
    assert "The session opens at" in page.content.decode()
    assert _arrive(browser, appointment).status_code == 409
    assert not VideoSession.objects.exists()


def test_a_cancelled_appointment_has_no_session(
    case: Case, appointment: Appointment, signed_in: SignedIn, client_person: User, traveller: Any
) -> None:
    cancel_appointment(appointment=appointment, person=client_person)
    traveller.move_to(appointment.starts_at)
    browser = signed_in(client_person)
    page = browser.get(_url("join", appointment))
    assert page.context["refused"].code == "not_confirmed"
    assert _arrive(browser, appointment).status_code == 409
    assert not VideoSession.objects.exists()


def test_a_client_without_video_consent_is_refused_and_sent_to_her_care_page(
    in_window: Any, case: Case, appointment: Appointment, signed_in: SignedIn, client_person: User
) -> None:
    withdraw_consent(case=case, client=client_person, technology=Technology.VIDEO)
    browser = signed_in(client_person)
    page = browser.get(_url("join", appointment))
    assert page.context["refused"].code == "no_consent"
    assert reverse("care:my_care") in page.content.decode()
    assert _arrive(browser, appointment).status_code == 409
    assert not VideoSession.objects.exists()


def test_the_window_closes_after_the_grace_period(
    case: Case,
    appointment: Appointment,
    signed_in: SignedIn,
    client_person: User,
    traveller: Any,
    settings: Any,
) -> None:
    traveller.move_to(
        appointment.ends_at + timedelta(minutes=settings.VIDEO_GRACE_MINUTES, seconds=1)
    )
    page = signed_in(client_person).get(_url("join", appointment))
    assert page.context["refused"].code == "over"


# --- The start of a session -----------------------------------------------------------------


def test_the_client_confirms_her_place_waits_and_the_practitioner_admits_her(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    signed_in: SignedIn,
    client_person: User,
    practitioner: User,
) -> None:
    hers = signed_in(client_person)
    first = hers.get(_url("join", appointment))
    assert first.context["stage"] == "place"
    assert "Nobody records this session" in first.content.decode()
    assert _arrive(hers, appointment).status_code == 302
    waiting = hers.get(_url("join", appointment))
    assert waiting.context["stage"] == "waiting"
    assert "Call Alex, then the crisis line." in waiting.content.decode()

    theirs = Client()
    theirs.force_login(practitioner)
    page = theirs.get(_url("join", appointment))
    assert page.context["stage"] == "waiting"
    html = page.content.decode()
    assert "Robin" in html or client_person.display_name in html
    assert "You may practise there." in html
    assert "Call Alex, then the crisis line." in html
    # Reading the crisis plan on that page is on the client's access log.
    # (once an hour: the waiting room reloads itself).
    theirs.get(_url("join", appointment))
    assert (
        AuditEvent.objects.filter(
            action=actions.CARE_EMERGENCY_DETAILS_READ, actor_id=practitioner.pk
        ).count()
        == 1
    )

    assert theirs.post(_url("admit", appointment)).status_code == 302
    session = VideoSession.objects.get(appointment=appointment)
    assert session.state == SessionState.ADMITTED
    assert hers.get(_url("join", appointment)).context["stage"] == "call"
    call = theirs.get(_url("join", appointment))
    assert call.context["stage"] == "call"
    # The case's first session asks for the identity check, recorded with its method.
    assert call.context["identity_needed"]
    theirs.post(_url("identity", appointment), {"identity-method": IdentityMethod.PHOTO_ID})
    session.refresh_from_db()
    assert session.identity_method == IdentityMethod.PHOTO_ID
    assert session.identity_confirmed_at is not None

    theirs.post(_url("end", appointment), {"end-outcome": Outcome.COMPLETED})
    session.refresh_from_db()
    assert session.state == SessionState.ENDED
    assert hers.get(_url("join", appointment)).context["stage"] == "ended"

    names = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        actions.VIDEO_PLACE_CONFIRMED,
        actions.VIDEO_CLIENT_ADMITTED,
        actions.VIDEO_IDENTITY_CONFIRMED,
        actions.VIDEO_SESSION_ENDED,
    } <= names
    kinds = set(OutboxEvent.objects.values_list("name", flat=True))
    assert {"video.client_waiting", "video.session_started", "video.session_ended"} <= kinds
    titles = [entry.title for entry in case_timeline(case, practitioner)]
    assert "Video session started" in titles
    assert "Video session ended" in titles


def test_a_client_out_of_place_is_shown_to_the_practitioner_who_ends_with_a_reason(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    signed_in: SignedIn,
    client_person: User,
    practitioner: User,
) -> None:
    place("GB-SCT")
    hers = signed_in(client_person)
    assert _arrive(hers, appointment, "GB-SCT").status_code == 302
    session = VideoSession.objects.get(appointment=appointment)
    assert not session.may_practise

    theirs = Client()
    theirs.force_login(practitioner)
    page = theirs.get(_url("join", appointment)).content.decode()
    assert "You may not practise there." in page
    assert session.practise_reason in page
    # Admitting is refused; ending with the reason records it.
    refused = theirs.post(_url("admit", appointment))
    assert refused.status_code == 400
    assert VideoSession.objects.get(pk=session.pk).state == SessionState.WAITING
    assert (
        theirs.post(
            _url("end", appointment), {"end-outcome": Outcome.OUT_OF_PLACE, "end-reason": ""}
        ).status_code
        == 400
    )
    theirs.post(
        _url("end", appointment),
        {"end-outcome": Outcome.OUT_OF_PLACE, "end-reason": "Robin is in Scotland this week."},
    )
    session.refresh_from_db()
    assert session.outcome == Outcome.OUT_OF_PLACE
    assert session.outcome_reason == "Robin is in Scotland this week."
    event = AuditEvent.objects.get(action=actions.VIDEO_SESSION_ENDED)
    assert event.detail == {"outcome": "out_of_place", "with_reason": True}
    assert "Scotland" not in str(event.detail)


def test_a_no_show_is_recorded_on_the_appointment_too(
    in_window: Any, case: Case, appointment: Appointment, practitioner: User, traveller: Any
) -> None:
    traveller.move_to(appointment.starts_at)
    with pytest.raises(Exception, match="reason"):
        services.end_session(
            appointment=appointment, practitioner=practitioner, outcome=Outcome.ENDED_EARLY
        )
    services.end_session(
        appointment=appointment, practitioner=practitioner, outcome=Outcome.NO_SHOW
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW
    assert VideoSession.objects.get(appointment=appointment).outcome == Outcome.NO_SHOW


def test_the_drop_plan_number_is_sealed_and_shown_to_both(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    signed_in: SignedIn,
    client_person: User,
    practitioner: User,
) -> None:
    theirs = signed_in(practitioner)
    assert theirs.post(_url("drop_plan", appointment), {"drop-phone": "call me"}).status_code == 400
    assert (
        theirs.post(_url("drop_plan", appointment), {"drop-phone": "07700 900456"}).status_code
        == 302
    )
    hers = Client()
    hers.force_login(client_person)
    assert "07700 900456" in hers.get(_url("join", appointment)).content.decode()


def test_an_admitted_session_is_not_admitted_twice_and_a_second_arrival_updates_the_place(
    in_window: Any, case: Case, appointment: Appointment, client_person: User, practitioner: User
) -> None:
    services.confirm_place(appointment=appointment, client=client_person, where=place("GB-SCT"))
    services.confirm_place(appointment=appointment, client=client_person, where=place("GB-ENG"))
    first = services.admit_client(appointment=appointment, practitioner=practitioner)
    again = services.admit_client(appointment=appointment, practitioner=practitioner)
    assert first.admitted_at == again.admitted_at
    assert VideoSession.objects.count() == 1
    assert AuditEvent.objects.filter(action=actions.VIDEO_CLIENT_ADMITTED).count() == 1


def test_both_see_the_crisis_resources_of_the_place_the_client_gave(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    signed_in: SignedIn,
    client_person: User,
    practitioner: User,
) -> None:
    # Her case says England; today she says Scotland, and that is the place whose lines show.
    scotland = crisis_resources_for("GB-SCT")
    scottish_only = {line.name for line in scotland.lines} - {
        line.name for line in crisis_resources_for("GB-ENG").lines
    }
    assert scottish_only, "the crisis data should hold a line for Scotland alone"
    hers = signed_in(client_person)
    assert _arrive(hers, appointment, "GB-SCT").status_code == 302
    theirs = Client()
    theirs.force_login(practitioner)
    for browser in (hers, theirs):
        html = browser.get(_url("join", appointment)).content.decode()
        assert "Emergency plan for this session" in html
        for name in scottish_only:
            assert escape(name) in html


def test_the_call_page_links_the_pairs_case_conversation_for_the_chat(
    in_window: Any, case: Case, appointment: Appointment, client_person: User, practitioner: User
) -> None:
    conversation = Conversation.objects.get(
        kind=Conversation.Kind.CASE, client=client_person, practitioner=practitioner
    )
    chat = reverse("messaging:conversation", kwargs={"conversation_id": conversation.pk})
    services.confirm_place(appointment=appointment, client=client_person, where=place("GB-ENG"))
    services.admit_client(appointment=appointment, practitioner=practitioner)
    for person in (client_person, practitioner):
        browser = Client()
        browser.force_login(person)
        page = browser.get(_url("join", appointment))
        assert page.context["stage"] == "call"
        assert f'href="{chat}"' in page.content.decode()


def test_only_the_first_session_of_a_case_asks_who_the_client_is(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    client_person: User,
    practitioner: User,
    traveller: Any,
) -> None:
    # A second session booked the day before, two hours after the first.
    traveller.move_to(scheduling.NOW)
    later = scheduling.book(
        client_person, appointment.session_type, scheduling.THURSDAY_9 + timedelta(hours=2)
    )
    traveller.move_to(appointment.starts_at - timedelta(minutes=5))
    services.confirm_place(appointment=appointment, client=client_person, where=place("GB-ENG"))
    services.admit_client(appointment=appointment, practitioner=practitioner)
    theirs = Client()
    theirs.force_login(practitioner)
    assert (
        "First session: confirm who the client is"
        in theirs.get(_url("join", appointment)).content.decode()
    )
    services.confirm_identity(
        appointment=appointment, practitioner=practitioner, method=IdentityMethod.KNOWN
    )
    services.end_session(
        appointment=appointment, practitioner=practitioner, outcome=Outcome.COMPLETED
    )

    traveller.move_to(later.starts_at - timedelta(minutes=5))
    services.confirm_place(appointment=later, client=client_person, where=place("GB-ENG"))
    services.admit_client(appointment=later, practitioner=practitioner)
    theirs.force_login(practitioner)
    page = theirs.get(_url("join", later))
    assert page.context["stage"] == "call"
    assert not page.context["identity_needed"]
    assert "First session: confirm who the client is" not in page.content.decode()


def test_the_call_page_hands_each_party_turn_credentials_that_end_with_the_window(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    client_person: User,
    practitioner: User,
    settings: Any,
) -> None:
    settings.VIDEO_STUN_URLS = ["stun:turn.example.org:3478"]
    settings.VIDEO_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.VIDEO_TURN_SECRET = "north-wind"
    settings.VIDEO_TURN_TTL_SECONDS = 6 * 3600
    services.confirm_place(appointment=appointment, client=client_person, where=place("GB-ENG"))
    services.admit_client(appointment=appointment, practitioner=practitioner)
    closes = int(
        (appointment.ends_at + timedelta(minutes=settings.VIDEO_GRACE_MINUTES)).timestamp()
    )
    usernames = set()
    for person in (client_person, practitioner):
        browser = Client()
        browser.force_login(person)
        page = browser.get(_url("join", appointment))
        stun, turn = page.context["ice_servers"]
        assert stun == {"urls": ["stun:turn.example.org:3478"]}
        assert turn["username"] == f"{closes}:{person.pk}"
        assert (
            turn["credential"] == coturn_credential("north-wind", str(person.pk), closes).credential
        )
        assert 'id="ice-servers"' in page.content.decode()
        usernames.add(turn["username"])
    assert len(usernames) == 2

"""The call's websocket: only the two parties, only in their admitted session, checked on every
message; signalling for someone else's call is refused."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from casework.accounts.models import User
from casework.care.models import Case
from casework.routing import websocket_urlpatterns
from casework.scheduling.models import Appointment
from casework.testing.channels import CONNECT_TIMEOUT
from casework.testing.messaging import place
from casework.video import services
from casework.video.models import Outcome

pytestmark = pytest.mark.django_db(transaction=True)

application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
TIMEOUT = 5


def cookie_for(person: User) -> str:
    browser = Client()
    browser.force_login(person)
    return f"{settings.SESSION_COOKIE_NAME}={browser.session.session_key}"


def socket(appointment_id: int, cookie: str = "") -> WebsocketCommunicator:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    return WebsocketCommunicator(application, f"/ws/video/{appointment_id}/", headers=headers)


async def refused(communicator: WebsocketCommunicator) -> int:
    connected, code = await communicator.connect(timeout=CONNECT_TIMEOUT)
    assert not connected
    return int(code)


async def opened(communicator: WebsocketCommunicator) -> str:
    """Connect, and read the stage the server tells a socket first."""
    connected, _code = await communicator.connect(timeout=CONNECT_TIMEOUT)
    assert connected
    told: dict[str, Any] = await communicator.receive_json_from(timeout=TIMEOUT)
    assert told["type"] == "stage", told
    return str(told["stage"])


def _admitted(appointment: Appointment, client: User, practitioner: User) -> None:
    services.confirm_place(appointment=appointment, client=client, where=place("GB-ENG"))
    services.admit_client(appointment=appointment, practitioner=practitioner)


def test_strangers_and_the_signed_out_cannot_open_the_socket(
    in_window: Any, appointment: Appointment, other_practitioner: User
) -> None:
    assert async_to_sync(refused)(socket(appointment.pk)) == 4401
    stranger = cookie_for(other_practitioner)
    assert async_to_sync(refused)(socket(appointment.pk, stranger)) == 4404


def test_the_parties_cannot_open_it_before_the_window(
    case: Case, appointment: Appointment, client_person: User, practitioner: User
) -> None:
    assert async_to_sync(refused)(socket(appointment.pk, cookie_for(client_person))) == 4403
    assert async_to_sync(refused)(socket(appointment.pk, cookie_for(practitioner))) == 4403


def test_offers_reach_the_other_party_only_once_admitted(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    client_person: User,
    practitioner: User,
) -> None:
    her_cookie, their_cookie = cookie_for(client_person), cookie_for(practitioner)
    services.confirm_place(appointment=appointment, client=client_person, where=place("GB-ENG"))

    async def before_admission() -> dict[str, Any]:
        hers = socket(appointment.pk, her_cookie)
        await opened(hers)
        await hers.send_json_to({"type": "hello"})
        answer: dict[str, Any] = await hers.receive_json_from(timeout=TIMEOUT)
        await hers.disconnect()
        return answer

    assert async_to_sync(before_admission)()["type"] == "refused"
    services.admit_client(appointment=appointment, practitioner=practitioner)

    async def call() -> tuple[dict[str, Any], bool]:
        hers = socket(appointment.pk, her_cookie)
        theirs = socket(appointment.pk, their_cookie)
        await opened(hers)
        await opened(theirs)
        await theirs.send_json_to({"type": "offer", "sdp": {"type": "offer", "sdp": "v=0"}})
        got: dict[str, Any] = await hers.receive_json_from(timeout=TIMEOUT)
        echoed = not await theirs.receive_nothing(timeout=0.2)
        await hers.disconnect()
        await theirs.disconnect()
        return got, echoed

    got, echoed = async_to_sync(call)()
    assert got == {
        "type": "offer",
        "sdp": {"type": "offer", "sdp": "v=0"},
        "from_practitioner": True,
    }
    assert not echoed


def test_signalling_for_someone_elses_call_is_refused(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    client_person: User,
    practitioner: User,
) -> None:
    _admitted(appointment, client_person, practitioner)
    her_cookie, their_cookie = cookie_for(client_person), cookie_for(practitioner)

    async def journey() -> list[dict[str, Any]]:
        hers = socket(appointment.pk, her_cookie)
        theirs = socket(appointment.pk, their_cookie)
        await opened(hers)
        await opened(theirs)
        await hers.send_json_to({"type": "offer", "appointment": appointment.pk + 1, "sdp": {}})
        await hers.send_json_to("not an object")
        await hers.send_to(text_data="{nonsense")
        answers = [await hers.receive_json_from(timeout=TIMEOUT) for _ in range(3)]
        assert await theirs.receive_nothing(timeout=0.2)
        await hers.disconnect()
        await theirs.disconnect()
        return answers

    answers = async_to_sync(journey)()
    assert [answer["type"] for answer in answers] == ["refused"] * 3


def test_a_session_ended_stops_signalling_on_open_sockets(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    client_person: User,
    practitioner: User,
) -> None:
    _admitted(appointment, client_person, practitioner)
    her_cookie = cookie_for(client_person)

    async def journey() -> dict[str, Any]:
        hers = socket(appointment.pk, her_cookie)
        await opened(hers)
        await database_sync_to_async(services.end_session)(
            appointment=appointment, practitioner=practitioner, outcome=Outcome.COMPLETED
        )
        # The page hears the session ended; anything it still sends is refused.
        received = []
        await hers.send_json_to({"type": "hello"})
        for _ in range(2):
            received.append(await hers.receive_json_from(timeout=TIMEOUT))
        await hers.disconnect()
        return {"types": sorted(item["type"] for item in received)}

    assert async_to_sync(journey)() == {"types": ["refused", "state"]}


def test_a_socket_is_told_the_stage_on_connecting_so_a_change_before_it_joined_is_not_lost(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    client_person: User,
    practitioner: User,
) -> None:
    # The waiting page was drawn, then she was let in before her page's socket joined: the
    # announcement went to nobody, and only the stage told on connecting moves her page on.
    services.confirm_place(appointment=appointment, client=client_person, where=place("GB-ENG"))
    her_cookie, their_cookie = cookie_for(client_person), cookie_for(practitioner)
    assert async_to_sync(opened)(socket(appointment.pk, her_cookie)) == "waiting"
    assert async_to_sync(opened)(socket(appointment.pk, their_cookie)) == "waiting"
    services.admit_client(appointment=appointment, practitioner=practitioner)
    assert async_to_sync(opened)(socket(appointment.pk, her_cookie)) == "call"

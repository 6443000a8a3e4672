"""The caseload: ranked by need, filtered, each row with its trend, in constant queries, and
updated live when a flag is raised."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from casework.accounts.models import User
from casework.care import queries, schedules
from casework.care.models import Case
from casework.care.services import reminders
from casework.events.relay import relay_pending
from casework.messaging.models import Conversation
from casework.routing import websocket_urlpatterns
from casework.testing import care, messaging
from casework.testing.care import NOW, answers_summing_to
from casework.testing.channels import CONNECT_TIMEOUT
from casework.testing.factories import ClientFactory

live_application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
pytestmark = pytest.mark.django_db


def _answer_weekly(case: Case, frozen: Any, totals: list[int], instrument: str = "phq9") -> None:
    """Answer one check-in a week with these totals, starting now."""
    plan = care.plan(case, instrument)
    for total in totals:
        check_in = plan.check_ins.filter(status="open", due_at__lte=timezone.now()).get()
        care.answer(check_in, answers_summing_to(instrument, total))
        frozen.shift(timedelta(days=7))
        reminders.run_check_in_round()


def test_the_caseload_ranks_urgent_then_worsening_then_missed_then_oldest_contact(
    frozen: Any, practitioner: User
) -> None:
    names = ["Steady", "Quiet", "Missing", "Worse", "Urgent"]
    people = {name: ClientFactory.create(alias=name, time_zone="Europe/London") for name in names}
    cases = {name: care.ready_case(practitioner, person) for name, person in people.items()}
    _answer_weekly(cases["Worse"], frozen, [5, 5, 5, 16])
    frozen.move_to(NOW)
    _answer_weekly(cases["Steady"], frozen, [8, 8, 8, 8])
    frozen.move_to(NOW)
    missing = care.plan(cases["Missing"], "mood", every_days=1)
    frozen.move_to(NOW + timedelta(days=28))
    reminders.run_check_in_round()
    urgent = care.plan(cases["Urgent"], "gad7", starts_on=timezone.localdate())
    care.answer(
        urgent.check_ins.get(status="open", due_at__lte=timezone.now()),
        answers_summing_to("gad7", 18),
    )
    assert missing.check_ins.filter(status="missed").exists()
    # "Steady" wrote today; "Quiet" has not been in touch since the cases opened.
    conversation = Conversation.objects.get(client=people["Steady"], kind="case")
    messaging.send(conversation, people["Steady"], "Hello")
    relay_pending()  # care re-ranks the pair's case on the message's event
    rows = queries.caseload(practitioner, now=timezone.now())
    assert [row.case.client.alias for row in rows] == [
        "Urgent",
        "Worse",
        "Missing",
        "Quiet",
        "Steady",
    ]
    worse = rows[1]
    assert worse.worsening
    assert worse.last_score == 16
    assert [point.score for point in worse.points] == [5, 5, 5, 16]


def test_filters_narrow_the_caseload(frozen: Any, practitioner: User) -> None:
    care.bulk_caseload(practitioner, 20, now=NOW)
    now = timezone.now()
    flagged = queries.caseload(
        practitioner, now=now, filters=queries.CaseloadFilters(attention="flagged")
    )
    assert len(flagged) == 1
    assert flagged[0].open_flags == 1
    worsening = queries.caseload(
        practitioner, now=now, filters=queries.CaseloadFilters(attention="worsening")
    )
    assert worsening
    assert all(row.worsening for row in worsening)
    missed = queries.caseload(
        practitioner, now=now, filters=queries.CaseloadFilters(attention="missed")
    )
    assert len(missed) == 4
    assert all(row.missed for row in missed)
    named = queries.caseload(practitioner, now=now, filters=queries.CaseloadFilters(search="00003"))
    assert [row.case.client.alias for row in named] == ["Client 00003"]
    assert not queries.caseload(
        practitioner, now=now, filters=queries.CaseloadFilters(status="closed")
    )


def test_only_the_practitioners_own_clients_are_listed(
    case: Case, other_practitioner: User
) -> None:
    assert queries.caseload(other_practitioner, now=NOW) == []


@pytest.mark.parametrize("size", [50, 200])
def test_the_caseload_page_costs_the_same_queries_for_50_or_200_clients(
    frozen: Any,
    practitioner: User,
    client: Client,
    size: int,
    django_assert_num_queries: Any,
) -> None:
    care.bulk_caseload(practitioner, size, now=NOW)
    client.force_login(practitioner)
    client.get("/care/caseload/")  # the first request after signing in records the session
    with django_assert_num_queries(
        1  # the session
        + 1  # the person
        # (allauth's activity record of the session was written by the first request, and is
        # written again a minute later, not on each request: accounts.SessionActivityMiddleware)
        + 1  # MFA: does this staff member have a second factor
        + 1  # the unread total, for the navigation
        + 1  # cases whose stored need time has overtaken (none: nothing to refresh)
        + 1  # how many cases match, for the pages
        + 1  # the page's cases, in the order of their stored need
        + 1  # the last twelve scores of the page's rows
    ):
        response = client.get("/care/caseload/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="spark"') == queries.CASELOAD_PAGE_SIZE == 50
    assert f"{size} clients, most in need first" in html


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/care/clients/[^"]+/">([^<]+)</a>', html)


def test_the_caseload_pages_through_every_client_once_in_order_of_need(
    frozen: Any, practitioner: User, client: Client
) -> None:
    care.bulk_caseload(practitioner, 120, now=NOW)
    client.force_login(practitioner)
    ranked = [row.case.client.display_name for row in queries.caseload(practitioner, now=NOW)]
    pages = [client.get("/care/caseload/", {"page": n}).content.decode() for n in (1, 2, 3)]
    assert [name for html in pages for name in _names(html)] == ranked
    assert [len(_names(html)) for html in pages] == [50, 50, 20]
    first, middle, last = pages
    assert "Page 1 of 3" in first
    assert 'rel="prev"' not in first
    assert 'rel="next" href="?page=2"' in first
    assert 'rel="prev" href="?page=1"' in middle
    assert 'rel="next" href="?page=3"' in middle
    assert 'rel="next"' not in last
    assert "Page 3 of 3" in last


def test_the_pages_keep_the_filters_and_a_bad_page_number_falls_back(
    frozen: Any, practitioner: User, client: Client
) -> None:
    care.bulk_caseload(practitioner, 60, now=NOW)
    client.force_login(practitioner)
    html = client.get("/care/caseload/", {"status": "all", "page": "1"}).content.decode()
    assert 'rel="next" href="?status=all&amp;page=2"' in html
    assert _names(client.get("/care/caseload/?page=nonsense").content.decode()) == _names(html)
    beyond = client.get("/care/caseload/?page=99")
    assert beyond.status_code == 200
    assert "Page 2 of 2" in beyond.content.decode()
    few = client.get("/care/caseload/?attention=flagged").content.decode()
    assert 'class="pagination"' not in few  # one page: no page links


def test_the_live_refresh_of_a_page_gets_that_page(
    frozen: Any, practitioner: User, client: Client
) -> None:
    care.bulk_caseload(practitioner, 60, now=NOW)
    client.force_login(practitioner)
    html = client.get("/care/caseload/?page=2").content.decode()
    assert 'data-refresh-url="/care/caseload/?page=2"' in html
    table = client.get("/care/caseload/?page=2", headers={"HX-Request": "true"}).content.decode()
    assert _names(table) == _names(html)
    assert "Page 2 of 2" in table


def test_each_row_has_a_trend_chart_with_a_text_alternative(
    frozen: Any, practitioner: User, client: Client
) -> None:
    care.bulk_caseload(practitioner, 4, now=NOW)
    client.force_login(practitioner)
    html = client.get("/care/caseload/").content.decode()
    assert 'role="img" aria-label="PHQ-9 (depression), 8 scores, oldest first:' in html
    assert "Higher is worse." in html


def test_filters_come_from_the_query_string_and_bad_values_fall_back(
    frozen: Any, practitioner: User, client: Client
) -> None:
    care.bulk_caseload(practitioner, 10, now=NOW)
    client.force_login(practitioner)
    assert (
        client.get("/care/caseload/?attention=flagged").content.decode().count('class="spark"') == 1
    )
    response = client.get("/care/caseload/?attention=everything&status=<script>")
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_htmx_gets_only_the_table(case: Case, practitioner: User, client: Client) -> None:
    client.force_login(practitioner)
    response = client.get("/care/caseload/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="table-wrap" id="caseload-table" data-as-of=')
    assert "<html" not in html


def test_acknowledging_from_the_caseload_records_who(
    case: Case, practitioner: User, client: Client
) -> None:
    check_in = care.due_check_in(care.plan(case))
    flag = care.answer(check_in, answers_summing_to("phq9", 2, _9=1)).flag
    assert flag is not None
    client.force_login(practitioner)
    response = client.post(f"/care/flags/{flag.pk}/acknowledge/", {"next": "caseload"})
    assert response.status_code == 302
    assert response["Location"] == "/care/caseload/"
    flag.refresh_from_db()
    assert flag.acknowledged_by_id == practitioner.pk
    assert queries.caseload(practitioner, now=timezone.now())[0].open_flags == 0


def _socket(person: User) -> WebsocketCommunicator:
    browser = Client()
    browser.force_login(person)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    return WebsocketCommunicator(
        live_application, "/ws/care/caseload/", headers=[(b"cookie", cookie.encode())]
    )


async def _hears_after(socket: WebsocketCommunicator, action: Callable[[], object]) -> Any:
    connected, _code = await socket.connect(timeout=CONNECT_TIMEOUT)
    assert connected
    await database_sync_to_async(action)()
    message = await socket.receive_json_from(timeout=5)
    await socket.disconnect()
    return message


def _due_now(case: Case) -> Any:
    """A check-in due this very minute of the real clock, whatever the hour: the socket tests
    run on real time (the websocket server's threads do not share a frozen clock)."""
    here = timezone.now().astimezone(schedules.client_zone(case))
    plan = care.plan(case, at=here.time().replace(second=0, microsecond=0))
    return care.due_check_in(plan)


async def _refused(socket: WebsocketCommunicator) -> int:
    connected, code = await socket.connect(timeout=CONNECT_TIMEOUT)
    assert not connected
    return int(code)


@pytest.mark.django_db(transaction=True)
def test_the_open_caseload_hears_of_a_new_flag_at_once(
    practitioner: User, client_person: User
) -> None:
    case = care.ready_case(practitioner, client_person)
    check_in = _due_now(case)
    message = async_to_sync(_hears_after)(
        _socket(practitioner),
        lambda: care.answer(check_in, answers_summing_to("phq9", 1, _9=1)),
    )
    assert message == {"event": "changed"}


async def _answer_to_since(socket: WebsocketCommunicator, since: str) -> Any:
    connected, _code = await socket.connect(timeout=CONNECT_TIMEOUT)
    assert connected
    await socket.send_json_to({"type": "since", "at": since})
    if await socket.receive_nothing(timeout=0.5):
        answer = None
    else:
        answer = await socket.receive_json_from()
    await socket.disconnect()
    return answer


@pytest.mark.django_db(transaction=True)
def test_a_caseload_that_connects_late_catches_up_on_what_it_missed(
    practitioner: User, client_person: User
) -> None:
    """A flag raised between the page being read and its socket opening is not lost."""
    case = care.ready_case(practitioner, client_person)
    check_in = _due_now(case)
    page = Client()
    page.force_login(practitioner)
    html = page.get("/care/caseload/").content.decode()
    as_of = html.split('data-as-of="', 1)[1].split('"', 1)[0]
    assert async_to_sync(_answer_to_since)(_socket(practitioner), as_of) is None
    care.answer(check_in, answers_summing_to("phq9", 1, _9=1))
    answer = async_to_sync(_answer_to_since)(_socket(practitioner), as_of)
    assert answer == {"event": "changed"}
    # A malformed question is ignored, not an error.
    assert async_to_sync(_answer_to_since)(_socket(practitioner), "yesterday") is None


@pytest.mark.django_db(transaction=True)
def test_only_a_practitioner_may_listen(client_person: User) -> None:
    assert async_to_sync(_refused)(_socket(client_person)) == 4403
    anonymous = WebsocketCommunicator(live_application, "/ws/care/caseload/")
    assert async_to_sync(_refused)(anonymous) == 4401

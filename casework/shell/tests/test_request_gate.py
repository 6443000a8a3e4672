"""The gate in front of a web process's database work (request_gate.py, OutageMiddleware)."""

import threading
import time

import pytest
from django.test import Client, override_settings

from casework.shell.request_gate import RequestGate


def warm(gate: RequestGate) -> None:
    """One request answered: the process has loaded."""
    assert gate.enter()
    gate.leave()


def test_a_full_gate_whose_requests_do_not_move_refuses_at_once() -> None:
    gate = RequestGate(2, wait=60, stuck=0)
    warm(gate)
    assert gate.enter()
    assert gate.enter()
    assert not gate.enter()  # would wait a minute without the "stuck" rule
    gate.leave()
    assert gate.enter()  # a place came free


def test_a_request_waits_for_a_place_that_comes_free() -> None:
    gate = RequestGate(1, wait=60, stuck=60)
    warm(gate)
    assert gate.enter()
    entered = threading.Event()

    def second() -> None:
        if gate.enter():
            entered.set()
            gate.leave()

    waiting = threading.Thread(target=second)
    waiting.start()
    assert not entered.is_set()
    gate.leave()
    waiting.join()
    assert entered.is_set()


def test_under_plain_load_a_request_waits_its_turn_rather_than_being_refused() -> None:
    """Busy, not stuck: the pages inside take their time (a loaded machine), the one waiting
    gets in when a place comes free, a second later, instead of a 503."""
    gate = RequestGate(1, stuck=60)
    warm(gate)
    assert gate.enter()
    answers: list[bool] = []
    waiting = threading.Thread(target=lambda: answers.append(gate.enter()))
    waiting.start()
    time.sleep(1)
    gate.leave()
    waiting.join()
    assert answers == [True]


def test_a_gate_stays_open_until_the_process_has_answered_once() -> None:
    gate = RequestGate(1, wait=0, stuck=0)
    assert gate.enter()
    assert gate.enter()  # still loading: the first requests are slow, not stuck


def test_no_places_means_no_gate() -> None:
    gate = RequestGate(0, wait=0, stuck=0)
    warm(gate)
    assert all(gate.enter() for _ in range(100))


@pytest.mark.django_db
@override_settings(DATABASE_REQUESTS_AT_ONCE=1)
def test_a_refused_request_gets_the_503_page_and_healthz_still_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    browser = Client()
    assert browser.get("/healthz").status_code == 200
    monkeypatch.setattr(RequestGate, "enter", lambda self: False)
    page = browser.get("/find/")
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    api = browser.get("/api/v1/verify?name=x")
    assert api.status_code == 503
    assert api["Retry-After"] == "30"
    assert browser.get("/healthz").status_code == 200

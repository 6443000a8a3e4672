"""Destructive actions ask first (casework/shell/confirmations.py), and none can slip in that
does not.

Each action in ``ACTIONS`` is posted on the objects of the shared world (tests/access_world.py)
by the persona who may take it: without ``confirmed`` it changes nothing (the rows it names
and the audit log stay as they were) and answers the confirmation page; with it, the action is
taken as before (the audit log grows and the page goes on). Each post runs in a savepoint rolled
back after it, so every action meets the same world.

``test_no_destructive_form_skips_the_confirmation`` reads every template: a form that posts a
destructive action (its address or its button names one, or its button is styled as one) must
be in ``ACTIONS``, and so tested here, or in ``DELIBERATE`` with the reason it needs no
confirmation step.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client
from django.urls import reverse

from casework.privacy.models import AuditEvent
from casework.scheduling.queries import schedule_of
from casework.testing import factories, scheduling
from casework.testing.scheduling import THURSDAY_9
from tests.access_world import World

pytestmark = pytest.mark.django_db

CONFIRMATION_TEMPLATE = "shell/confirm_danger.html"


@dataclass(frozen=True)
class Action:
    """``route`` posted by ``persona`` with ``objects`` (path parameter -> world key) and
    ``data``; ``rows`` are the world's objects it changes once confirmed; ``prepare`` makes,
    inside the savepoint, objects the action needs in place of the world's (by key); ``clock``
    is when it is taken."""

    route: str
    persona: str
    objects: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    rows: tuple[str, ...] = ()
    prepare: Callable[[World], dict[str, Any]] | None = None
    clock: Any = None

    @property
    def key(self) -> str:
        """How the template scan names the form: its route, and the button's choice if any."""
        return " ".join([self.route, *(f"{k}={v}" for k, v in self.data.items())])


def _requested_appointment(world: World) -> dict[str, Any]:
    """The world's appointment is confirmed already: a new client's first booking waits for
    the practitioner's answer."""
    schedule = schedule_of(world.objects["practitioner_person"])
    schedule.confirm_first_sessions = True
    schedule.save(update_fields=["confirm_first_sessions"])
    newcomer = factories.ClientFactory.create(alias="Noor", email="noor@example.org")
    booked = scheduling.book(
        newcomer, world.objects["session_type"], THURSDAY_9 + timedelta(hours=1)
    )
    return {"appointment": booked}


ACTIONS = [
    Action(
        "accounts:end_session", "client", {"session_id": "user_session"}, rows=("user_session",)
    ),
    Action("accounts:end_all_sessions", "client"),
    Action("accounts:revoke_api_token", "client", {"token_id": "api_token"}, rows=("api_token",)),
    Action("care:decline_referral", "recipient", {"referral_id": "referral"}, rows=("referral",)),
    Action("care:withdraw_referral", "client", {"referral_id": "referral"}, rows=("referral",)),
    Action("care:withdraw_consent", "client", {"case_id": "case", "technology": "technology"}),
    Action(
        "care:end_supervision", "client", {"supervision_id": "supervision"}, rows=("supervision",)
    ),
    Action(
        "care:supervisor",
        "practitioner",
        {"case_id": "case"},
        data={"action": "stop"},
        rows=("supervision",),
    ),
    Action(
        "care:change_plan", "practitioner", {"plan_id": "plan"}, {"action": "end"}, rows=("plan",)
    ),
    Action(
        "community:delete_comment",
        "client",
        {"comment_id": "community_comment"},
        rows=("community_comment",),
    ),
    Action(
        "messaging:delete_message",
        "client",
        {"conversation_id": "case_conversation", "message_id": "message"},
        rows=("message",),
    ),
    Action(
        "messaging:close_conversation",
        "practitioner",
        {"conversation_id": "consultation"},
        rows=("consultation",),
    ),
    Action("privacy:lift_hold", "admin", {"hold_id": "legal_hold"}, rows=("legal_hold",)),
    Action(
        "privacy:case_export",
        "practitioner",
        {"case_id": "case"},
        data={"action": "call_off"},
        rows=("case_export_asking",),
    ),
    Action(
        "registry:withdraw_registration",
        "practitioner",
        {"claim_id": "pending_claim"},
        rows=("pending_claim",),
    ),
    Action(
        "scheduling:decline_appointment",
        "practitioner",
        {"appointment_id": "appointment"},
        rows=("appointment",),
        prepare=_requested_appointment,
    ),
    Action(
        "scheduling:record_no_show",
        "practitioner",
        {"appointment_id": "appointment"},
        rows=("appointment",),
        clock=THURSDAY_9 + timedelta(minutes=20),
    ),
    Action("scheduling:remove_window", "practitioner", {"window_id": "window"}, rows=("window",)),
    Action(
        "scheduling:remove_exception",
        "practitioner",
        {"exception_id": "exception"},
        rows=("exception",),
    ),
    Action(
        "scheduling:withdraw_session_type",
        "practitioner",
        {"session_type_id": "session_type"},
        rows=("session_type",),
    ),
    Action("scheduling:revoke_calendar_feed", "client"),
]

# Destructive-looking forms that need no confirmation step, and why.
DELIBERATE = {
    "oversight:lift_suspension": "restores a listing, with a reason typed in its own form",
    "oversight:lift_conditions": "restores a listing, with a reason typed in its own form",
    "oversight:suspend": (
        "its form states what a suspension does and asks for the reason before it is sent"
    ),
    "video:end": "its form asks how the session ended (and why) before it is sent",
    "community:close_article": "the author opens it to comments again with the same button",
    "registry:remove_register_source": (
        "stops scheduled readings only: nothing read is undone, and the same page sets it again"
    ),
    "care:answer_supervision decision=decline": (
        "an answer to an invitation: saying no is as easy as saying yes"
    ),
    "privacy/case_export_consent.html decision=decline": (
        "the client's answer to a request for her data: saying no is as easy as saying yes"
    ),
    "safety/moderation/action_form.html": (
        "a moderator's decision with its reasons, written in the form before it is sent"
    ),
    "care/break_glass.html": (
        "opens the emergency details (nothing is lost) after the reason is typed in the form"
    ),
    "registry:register_import_decision decision=discard": (
        "discards a reading that was never applied: the file can be read again"
    ),
}

# Pages that are themselves the confirmation step of a destructive action.
CONFIRMATION_PAGES = {
    "shell/confirm_danger.html",
    "safety/confirm_block.html",
    "scheduling/cancel_appointment.html",
    "privacy/erasure.html",
}


def _browser(world: World, action: Action) -> Client:
    """The persona's signed-in session; on another day, a fresh one (a staff session left
    idle since the world was made would be sent to sign in again)."""
    browser = Client()
    if action.clock is not None:
        person = world.people[action.persona]
        assert person is not None
        browser.force_login(person)
        return browser
    browser.cookies = SimpleCookie()
    browser.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[action.persona]
    return browser


def _address(world: World, action: Action) -> str:
    kwargs = {parameter: world.value(key) for parameter, key in action.objects.items()}
    return reverse(action.route, kwargs=kwargs)


def _state(world: World, action: Action) -> tuple[list[Any], int]:
    return [world.row(key) for key in action.rows], AuditEvent.objects.count()


@dataclass
class Posted:
    address: str
    response: Any  # the test client's response, with its templates and context
    before: tuple[list[Any], int]
    after: tuple[list[Any], int]
    messages: list[str]


@pytest.fixture
def post(world: World) -> Iterator[Callable[[Action, dict[str, str]], Posted]]:
    """``post(action, data)``: the action posted as its persona; whatever it did, and the
    objects ``prepare`` made, are rolled back after the test."""
    point = transaction.savepoint()
    kept = dict(world.objects)

    def send(action: Action, data: dict[str, str]) -> Posted:
        with ExitStack() as stack:
            if action.clock is not None:
                stack.enter_context(time_machine.travel(action.clock, tick=False))
            if action.prepare is not None:
                world.objects.update(action.prepare(world))
            address = _address(world, action)
            browser = _browser(world, action)
            before = _state(world, action)
            response = browser.post(address, data)
            said = [str(m) for m in get_messages(response.wsgi_request)]
            return Posted(address, response, before, _state(world, action), said)

    try:
        yield send
    finally:
        world.objects.clear()
        world.objects.update(kept)
        transaction.savepoint_rollback(point)


def _ids(action: Action) -> str:
    return action.key


@pytest.mark.parametrize("action", ACTIONS, ids=_ids)
def test_without_confirmation_it_changes_nothing_and_asks(
    post: Callable[[Action, dict[str, str]], Posted], action: Action
) -> None:
    posted = post(action, dict(action.data))
    response, before, after = posted.response, posted.before, posted.after

    assert response.status_code == 200
    assert CONFIRMATION_TEMPLATE in [t.name for t in response.templates]
    assert after == before, "a post without confirmation changed the world"
    page = response.content.decode()
    # The page posts the same choice again, confirmed, to the same address, in danger style.
    assert f'action="{posted.address}"' in page
    assert '<input type="hidden" name="confirmed" value="yes">' in page
    for name, value in action.data.items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in page
    assert 'class="button button--danger"' in page
    assert re.search(r"<h1 [^>]*tabindex=\"-1\" autofocus>", page)
    assert response.context["danger"].consequences


@pytest.mark.parametrize("action", ACTIONS, ids=_ids)
def test_with_confirmation_it_does_what_it_did(
    post: Callable[[Action, dict[str, str]], Posted], action: Action
) -> None:
    posted = post(action, {**action.data, "confirmed": "yes"})
    response, before, after = posted.response, posted.before, posted.after

    assert response.status_code == 302, response.content.decode()[:2000]
    rows_before, audit_before = before
    rows_after, audit_after = after
    assert audit_after > audit_before, (
        f"the confirmed action left no audit event: {[str(m) for m in posted.messages]}"
    )
    for key, was, now in zip(action.rows, rows_before, rows_after, strict=True):
        assert now != was, f"the confirmed action did not change {key}"


def test_a_confirmation_that_is_not_yes_asks_again(
    post: Callable[[Action, dict[str, str]], Posted],
) -> None:
    (revoking,) = [a for a in ACTIONS if a.route == "accounts:revoke_api_token"]
    posted = post(revoking, {"confirmed": "1"})

    assert CONFIRMATION_TEMPLATE in [t.name for t in posted.response.templates]
    assert posted.after == posted.before


# --- The template scan -------------------------------------------------------------------------

TEMPLATES = sorted(Path(settings.BASE_DIR, "casework").glob("*/templates/**/*.html"))
FORM = re.compile(r"<form\b(?P<tag>[^>]*)>(?P<body>.*?)</form>", re.DOTALL)
ROUTE = re.compile(r"\{%\s*url\s+['\"](?P<route>[\w:]+)['\"]")
BUTTON = re.compile(r"<button\b(?P<tag>[^>]*)>", re.DOTALL)
CHOICE = re.compile(r'name="(?P<name>action|decision)"\s+value="(?P<value>\w+)"')
# Words whose form undoes, ends or destroys something (a route's or a choice's words).
DESTRUCTIVE_WORDS = frozenset(
    {
        *("end", "revoke", "remove", "withdraw", "close", "cancel", "delete", "block"),
        *("suspend", "erase", "decline", "stop", "call", "lift", "no", "discard"),
    }
)


@dataclass(frozen=True)
class FoundForm:
    template: str
    key: str
    danger_styled: bool


def _words(name: str) -> set[str]:
    return set(re.split(r"[:_]", name))


def destructive_forms() -> Iterator[FoundForm]:
    for path in TEMPLATES:
        text = path.read_text()
        name = str(path).split("/templates/", 1)[1]
        for form in FORM.finditer(text):
            if 'method="post"' not in form["tag"]:
                continue
            found = ROUTE.search(form["tag"])
            route = found["route"] if found else ""
            buttons = [b["tag"] for b in BUTTON.finditer(form["body"])]
            for button in buttons or [""]:
                choice = CHOICE.search(button)
                # A form that posts to its own page is named by its template.
                key = " ".join(
                    filter(None, [route or name, f"{choice[1]}={choice[2]}" if choice else ""])
                )
                destructive = (
                    "button--danger" in button
                    or (choice is None and bool(_words(route) & DESTRUCTIVE_WORDS))
                    or (choice is not None and bool(_words(choice[2]) & DESTRUCTIVE_WORDS))
                )
                if destructive and name not in CONFIRMATION_PAGES:
                    yield FoundForm(
                        name, key or "(posts to its own page)", "button--danger" in button
                    )


def test_no_destructive_form_skips_the_confirmation() -> None:
    covered = {action.key for action in ACTIONS}
    unconfirmed = [
        f"{form.template}: {form.key}"
        for form in destructive_forms()
        if form.key not in covered and form.key not in DELIBERATE
    ]
    assert not unconfirmed, (
        "Destructive forms with no confirmation step: have their views call "
        "casework.shell.confirmations.ask_first and add them to ACTIONS (or, with the reason, "
        f"to DELIBERATE): {unconfirmed}"
    )


def test_every_destructive_action_looks_like_one() -> None:
    covered = {action.key for action in ACTIONS}
    plain = [
        f"{form.template}: {form.key}"
        for form in destructive_forms()
        if form.key in covered and not form.danger_styled
    ]
    assert not plain, f"Destructive buttons not in the danger style (button--danger): {plain}"


def test_no_inline_form_confirms_itself() -> None:
    """A ``confirmed`` field in a template's form would skip the step for everyone."""
    offending = [
        str(path)
        for path in TEMPLATES
        if 'name="confirmed"' in path.read_text() and not str(path).endswith("confirm_danger.html")
    ]
    assert not offending, offending


def test_the_scan_finds_every_listed_form() -> None:
    """A stale entry in ACTIONS or DELIBERATE (its button gone from the templates) would hide
    a scan that has stopped seeing forms."""
    found = {form.key for form in destructive_forms()}
    assert {action.key for action in ACTIONS} - found == set()
    assert set(DELIBERATE) - found == set()

"""Every route, every method, every persona, on real objects, against the declared policy
(tests/authorization_policy.py), and every websocket route likewise.

The world (tests/access_world.py) is built once for the module, in a transaction rolled back at
its end; each request runs in a savepoint rolled back after it, so every request meets the same
world. A refused write must leave the objects it names, and the audit log, as they were.
"""

import json
import re
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpResponseBase
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from casework.accounts.models import Role, User
from casework.care.models import Case, CaseNote
from casework.privacy.models import AuditEvent
from casework.routing import websocket_urlpatterns
from casework.testing.channels import CONNECT_TIMEOUT
from tests.access_world import PERSONAS, World
from tests.authorization_policy import (
    FORBIDDEN,
    IN,
    LOGIN,
    METHODS,
    MFA,
    NOT_FOUND,
    OPEN,
    REAUTHENTICATE,
    ROUTES,
    SOCKETS,
    UNAUTHORIZED,
    WRITES,
    Access,
    Socket,
    admin_access,
)

# Marked so that the test database is set up; the world itself lives in a transaction of the
# module's own (the ``world`` fixture), and each test's is a savepoint inside it.
pytestmark = pytest.mark.django_db

Route = tuple[URLPattern | URLResolver, ...]  # the including resolvers, then the pattern


def _routes(
    patterns: list[URLPattern | URLResolver], namespace: str = "", parents: Route = ()
) -> Iterator[tuple[str, Route]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _routes(list(entry.url_patterns), inner.strip(":"), (*parents, entry))
        elif entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), (*parents, entry)
        else:
            yield full_pattern((*parents, entry)), (*parents, entry)


def full_pattern(route: Route) -> str:
    return "".join(str(part.pattern) for part in route)


def parameters(route: Route) -> list[str]:
    names: list[str] = []
    for part in route:
        if isinstance(part.pattern, RoutePattern):
            names.extend(part.pattern.converters)
        elif isinstance(part.pattern, RegexPattern):
            names.extend(part.pattern.regex.groupindex)
    return names


ALL_ROUTES: dict[str, Route] = dict(_routes(list(get_resolver().url_patterns)))


def is_admin(name: str, route: Route) -> bool:
    return name.startswith("admin:") or full_pattern(route).startswith(settings.ADMIN_URL)


def entries_for(name: str) -> tuple[Access, ...]:
    route = ALL_ROUTES[name]
    if is_admin(name, route):
        return (admin_access(name, parameters(route)),)
    entry = ROUTES[name]
    return entry if isinstance(entry, tuple) else (entry,)


def test_every_route_has_a_declared_policy() -> None:
    missing = sorted(
        name
        for name, route in ALL_ROUTES.items()
        if name not in ROUTES and not is_admin(name, route)
    )
    assert not missing, f"Routes without an authorization policy: {missing}"


def test_every_declared_policy_names_a_route() -> None:
    stale = sorted(set(ROUTES) - set(ALL_ROUTES))
    assert not stale, f"Policies for routes that do not exist: {stale}"


def test_every_path_parameter_names_an_object() -> None:
    unnamed = [
        f"{name} {entry.label}: {sorted(set(parameters(ALL_ROUTES[name])) - set(entry.objects))}"
        for name in ROUTES
        if name in ALL_ROUTES
        for entry in entries_for(name)
        if set(parameters(ALL_ROUTES[name])) - set(entry.objects)
    ]
    assert not unnamed, f"Path parameters the policy does not name: {unnamed}"


# --- The world ---------------------------------------------------------------------------------


def admin_objects(world: World, name: str, route: Route) -> dict[str, Any]:
    """Real values for an admin route's parameters: a row of the admin's model."""
    values: dict[str, Any] = {}
    for parameter in parameters(route):
        if parameter == "url":
            values[parameter] = "no/such/page/"
        elif parameter == "app_label":
            values[parameter] = "accounts"
        elif parameter == "content_type_id":
            values[parameter] = ContentType.objects.get_for_model(world.objects["client_person"]).pk
        else:
            row = admin_row(world, name, route)
            values[parameter] = row.pk if row is not None else 999_999_999
    return values


def admin_row(world: World, name: str, route: Route) -> Model | None:
    pattern = full_pattern(route).removeprefix(settings.ADMIN_URL)
    if name in ("admin:view_on_site", "admin:auth_user_password_change"):
        return world.objects["client_person"]  # type: ignore[no-any-return]
    for model in admin.site._registry:
        if pattern.startswith(f"{model._meta.app_label}/{model._meta.model_name}/"):
            return model._default_manager.order_by("pk").first()
    return None


# --- Asking ------------------------------------------------------------------------------------


def fill(pattern: str, kwargs: dict[str, Any]) -> str:
    """An unnamed route's address: its pattern with the values in place."""
    for key, value in kwargs.items():
        pattern = re.sub(rf"\(\?P<{key}>[^)]*\)", str(value), pattern)
        pattern = re.sub(rf"<(?:\w+:)?{key}>", str(value), pattern)
    return pattern.replace("^", "").replace("$", "")


def url_for(world: World, name: str, entry: Access, *, missing: bool = False) -> str:
    route = ALL_ROUTES[name]
    if is_admin(name, route):
        kwargs = admin_objects(world, name, route)
        if missing:
            kwargs = {k: (999_999_999 if k == "object_id" else v) for k, v in kwargs.items()}
    else:
        kwargs = {
            parameter: (world.missing(key) if missing else world.value(key))
            for parameter, key in entry.objects.items()
        }
    if name == full_pattern(route):
        return "/" + fill(name, kwargs) + query_of(world, entry, missing=missing)
    try:
        address = reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # a name nested in several namespaces
        address = reverse(name.rsplit(":", 1)[-1], kwargs=kwargs)
    return address + query_of(world, entry, missing=missing)


def query_values(world: World, entry: Access, *, missing: bool = False) -> dict[str, Any]:
    return {
        parameter: (world.missing(key) if missing else world.value(key))
        for parameter, key in entry.query.items()
    }


def json_values(world: World, entry: Access, *, missing: bool = False) -> dict[str, Any]:
    return {
        field: (world.missing(key) if missing else world.value(key))
        for field, key in entry.json_objects.items()
    }


def query_of(world: World, entry: Access, *, missing: bool = False) -> str:
    values = query_values(world, entry, missing=missing)
    return "?" + urlencode(values) if values else ""


LOGIN_PATH = "/accounts/login/"
MFA_PATH = "/accounts/mfa/totp/activate/"


ADMIN_SIGN_IN_ANSWERS: dict[str, str] = {}


def outcome_of(response: HttpResponseBase, client: Client) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        where = urlsplit(response["Location"]).path
        if where == reverse("account_login"):
            return LOGIN
        if where == reverse("mfa_activate_totp"):
            return MFA
        if where in (reverse("account_reauthenticate"), reverse("mfa_reauthenticate")):
            return REAUTHENTICATE
        if where == reverse("admin:login"):
            # The admin's own sign-in page sends on to the site's, or refuses; it answers a
            # person the same whatever page sent them, so it is asked once per person.
            person = client.cookies.get(settings.SESSION_COOKIE_NAME)
            key = person.value if person else ""
            if key not in ADMIN_SIGN_IN_ANSWERS:
                ADMIN_SIGN_IN_ANSWERS[key] = outcome_of(client.get(response["Location"]), client)
            return ADMIN_SIGN_IN_ANSWERS[key]
        return IN
    if response.status_code in (401, 403, 404, 405, 429) or response.status_code >= 500:
        return str(response.status_code)
    return IN


# One test client for the module: each builds the whole middleware stack when it is made.
BROWSER = Client(raise_request_exception=False)


def browser(world: World, persona: str) -> Client:
    """The test client carrying only ``persona``'s session cookie (none for the visitor)."""
    BROWSER.cookies = SimpleCookie()
    if persona in world.sessions:
        BROWSER.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return BROWSER


def state(world: World, entry: Access) -> tuple[list[Any], int]:
    """The rows a route names and the length of the audit log."""
    return [world.row(key) for key in entry.objects.values()], AuditEvent.objects.count()


def check(world: World, name: str, entry: Access, *, missing: bool) -> list[str]:
    """Every persona, every method, on the entry's objects (or on missing ones, with the
    methods the route takes: any other is refused before an object is looked up).

    The cache is emptied before each persona's requests, not before each request: what a
    person's request leaves there (when their session was last seen, pages kept) is what their
    next one meets on a real site, and writing "last seen" again for every request cost the
    matrix about a tenth of its time. Emptied no less often: every request here comes from
    one address, and the sign-in forms allow each address twenty tries. A limit reached all
    the same answers 429, an outcome of its own, which shows rather than passes for a way in."""
    url = url_for(world, name, entry, missing=missing)
    methods = [m for m in METHODS if m in entry.methods] if missing else list(METHODS)
    surprises: list[str] = []
    for persona in PERSONAS:
        cache.clear()
        for method in methods:
            expected = (
                entry.outcome_when_missing(persona, method)
                if missing
                else entry.outcome(persona, method)
            )
            guarded = method in WRITES and not entry.may_change(persona)
            before = state(world, entry) if guarded else None
            savepoint = transaction.savepoint()
            try:
                client = browser(world, persona)
                if entry.json is not None and method in WRITES:
                    body = {**entry.json, **json_values(world, entry, missing=missing)}
                    response = client.generic(
                        method, url, json.dumps(body), content_type="application/json"
                    )
                elif entry.query and method in WRITES:
                    response = client.generic(
                        method,
                        url,
                        urlencode(query_values(world, entry, missing=missing)),
                        content_type="application/x-www-form-urlencoded",
                    )
                else:
                    response = client.generic(method, url)
                got = outcome_of(response, client)
                after = state(world, entry) if guarded else None
            finally:
                transaction.savepoint_rollback(savepoint)
            if got != expected:
                surprises.append(f"{persona} {method} {url}: got {got}, declared {expected}")
            elif after != before:
                surprises.append(f"{persona} {method} {url}: refused, yet changed {entry.objects}")
    return surprises


def cases() -> list[Any]:
    found = []
    for name in sorted(ALL_ROUTES):
        if name not in ROUTES and not is_admin(name, ALL_ROUTES[name]):
            continue
        for entry in entries_for(name):
            found.append(
                pytest.param(name, entry, id=f"{name}{'@' + entry.label if entry.label else ''}")
            )
    return found


@pytest.mark.parametrize(("name", "entry"), cases())
def test_each_persona_gets_what_the_policy_declares(world: World, name: str, entry: Access) -> None:
    surprises = check(world, name, entry, missing=False)
    assert not surprises, "\n".join(surprises)


@pytest.mark.parametrize(
    ("name", "entry"),
    [case for case in cases() if parameters(ALL_ROUTES[case.values[0]])],
)
def test_a_missing_object_is_answered_as_one_that_is_not_theirs(
    world: World, name: str, entry: Access
) -> None:
    surprises = check(world, name, entry, missing=True)
    assert not surprises, "\n".join(surprises)


# --- Websockets --------------------------------------------------------------------------------

SOCKET_APPLICATION = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
ALL_SOCKETS = {str(pattern.pattern): pattern for pattern in websocket_urlpatterns}
# A socket refused before it is accepted is closed with one of these codes.
CLOSE_CODES = {4401: UNAUTHORIZED, 4403: FORBIDDEN, 4404: NOT_FOUND}


def test_every_websocket_route_has_a_declared_policy() -> None:
    assert sorted(ALL_SOCKETS) == sorted(SOCKETS)


def socket_cases() -> list[Any]:
    return [
        pytest.param(pattern, entry, id=f"{pattern}{'@' + entry.label if entry.label else ''}")
        for pattern in sorted(SOCKETS)
        for entry in SOCKETS[pattern]
    ]


async def knock(path: str, session_key: str | None) -> str:
    headers = []
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    communicator = WebsocketCommunicator(SOCKET_APPLICATION, path, headers=headers)
    connected, code = await communicator.connect(timeout=CONNECT_TIMEOUT)
    if connected:
        await communicator.disconnect()
        return OPEN
    return CLOSE_CODES.get(code, f"closed {code}")


@pytest.mark.parametrize(("pattern", "entry"), socket_cases())
def test_each_persona_may_open_the_websockets_the_policy_declares(
    world: World, pattern: str, entry: Socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Consumers' database calls run on this thread, inside the world's transaction: they must
    # not close its connection between calls (as Django's test client keeps it for requests).
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
    surprises = []
    for missing in (False, True):
        kwargs = {
            parameter: (world.missing(key) if missing else world.value(key))
            for parameter, key in entry.objects.items()
        }
        if missing and not kwargs:
            continue
        path = "/" + fill(pattern, kwargs)
        for persona in PERSONAS:
            expected = entry.who[persona]
            if missing and expected == OPEN:
                expected = NOT_FOUND
            if missing and persona in entry.missing:
                expected = entry.missing[persona]
            got = async_to_sync(knock)(path, world.sessions.get(persona))
            if got != expected:
                surprises.append(f"{persona} {path}: got {got}, declared {expected}")
    assert not surprises, "\n".join(surprises)


# --- The matrix is about objects, not roles ----------------------------------------------------


def _every_case(person: User) -> QuerySet[Case]:
    """``care.access.cases_held_by`` without its owner check: a practitioner holds every case."""
    return Case.objects.all() if person.role == Role.PRACTITIONER else Case.objects.none()


def _every_note(person: User) -> QuerySet[CaseNote]:
    """``care.access.notes_readable_by`` without its owner check: a practitioner reads every
    note."""
    return CaseNote.objects.all() if person.role == Role.PRACTITIONER else CaseNote.objects.none()


@pytest.mark.parametrize(
    ("check_name", "loosened", "route"),
    [
        ("cases_held_by", _every_case, "care:case_notes"),
        ("notes_readable_by", _every_note, "care:note"),
    ],
)
def test_the_matrix_fails_when_an_owner_check_is_taken_out(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    check_name: str,
    loosened: Callable[[User], QuerySet[Any]],
    route: str,
) -> None:
    # Every practitioner may open these routes by role: only the owner check keeps Jonas (a
    # practitioner unrelated to Robin) out, and without it the matrix must say so.
    (entry,) = entries_for(route)
    assert not check(world, route, entry, missing=False)
    monkeypatch.setattr(f"casework.care.access.{check_name}", loosened)
    surprises = check(world, route, entry, missing=False)
    assert any(
        surprise.startswith("other_practitioner GET") and "got in, declared 404" in surprise
        for surprise in surprises
    ), surprises

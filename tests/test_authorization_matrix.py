"""Every route, every persona, against the one declared policy (tests/authorization_policy.py)."""

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from casework.accounts.models import User
from casework.testing import factories
from tests.authorization_policy import NAMESPACES, PERSONAS, ROUTES, Policy

SAMPLE_VALUES: dict[str, Any] = {
    "int": 999999,
    "rowid": 999999,  # <id:...>, casework/shell/converters.py
    "str": "sample",
    "slug": "sample",
    "path": "sample",
    "uuid": uuid.UUID(int=0),
}
SAMPLE_REGEX_VALUES = {"key": "sample-key", "uidb36": "abc", "app_label": "accounts"}


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


def all_routes() -> dict[str, Route]:
    return dict(_routes(list(get_resolver().url_patterns)))


def policy_for(name: str) -> Policy | None:
    if name in ROUTES:
        return ROUTES[name]
    return NAMESPACES.get(name.split(":", 1)[0]) if ":" in name else None


def sample_kwargs(route: Route) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for part in route:
        if isinstance(part.pattern, RoutePattern):
            for key, conv in part.pattern.converters.items():
                kind = type(conv).__name__.replace("Converter", "").lower()
                kwargs[key] = SAMPLE_VALUES.get(kind, "1")
        elif isinstance(part.pattern, RegexPattern):
            for key in part.pattern.regex.groupindex:
                kwargs[key] = SAMPLE_REGEX_VALUES.get(key, "1")
    return kwargs


def url_for(name: str, route: Route) -> str:
    kwargs = sample_kwargs(route)
    if "content_type_id" in kwargs:
        kwargs["content_type_id"] = ContentType.objects.get_for_model(User).pk
    # Route names nested in several includes resolve through their full namespace.
    try:
        return reverse(name, kwargs=kwargs)
    except Exception:
        return reverse(name.rsplit(":", 1)[-1], kwargs=kwargs)


def outcome(client: Client, url: str) -> str:
    response = client.get(url, follow=True)
    for hop, _status in response.redirect_chain:
        hop_path = urlsplit(hop).path
        if hop_path == reverse("account_login"):
            return "login"
        if hop_path == reverse("mfa_activate_totp"):
            return "mfa"
    if response.status_code in (403, 404):
        return "denied"
    if response.status_code == 405:
        return "method"
    if 200 <= response.status_code < 300:
        return "ok"
    return f"status {response.status_code}"


def test_every_route_has_a_declared_policy() -> None:
    missing = sorted(name for name in all_routes() if policy_for(name) is None)
    assert not missing, f"Routes without an authorization policy: {missing}"


def test_every_declared_policy_names_a_route() -> None:
    stale = sorted(set(ROUTES) - set(all_routes()))
    assert not stale, f"Policies for routes that do not exist: {stale}"


@pytest.fixture
def people(
    db: None,
    client_person: User,
    practitioner: User,
    other_practitioner: User,
    moderator: User,
    officer: User,
    admin_person: User,
) -> dict[str, User | None]:
    no_mfa = factories.PractitionerFactory.create(totp=False, legal_name="Nadia Noor")
    return {
        "visitor": None,
        "client_person": client_person,
        "practitioner": practitioner,
        "other_practitioner": other_practitioner,
        "moderator": moderator,
        "officer": officer,
        "admin_person": admin_person,
        "staff_without_mfa": no_mfa,
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_authorization_matrix(persona: str, people: dict[str, User | None]) -> None:
    user = people[persona]
    surprises = []
    for name, route in sorted(all_routes().items()):
        policy = policy_for(name)
        assert policy is not None, name
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        url = url_for(name, route)
        got = outcome(client, url)
        if got not in policy[persona]:
            surprises.append(f"{name} ({url}): got {got}, allowed {sorted(policy[persona])}")
    assert not surprises, "\n".join(surprises)

"""Malformed and hostile data posted to every form of the foundation: never a 500, a clear
error, and nothing stored."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from casework.accounts.models import User
from casework.privacy.models import AuditEvent

HOSTILE_VALUES: list[object] = [
    "",
    "x" * 10_240,
    ["first", "second"],
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "' OR 1=1; DROP TABLE accounts_user; --",
    "\x00nul",
    "\u202eevil\u202c",
    "😀" * 300,
    12345,
]

# Each form: (url name, its fields, whether the person is signed in).
FORMS: dict[str, tuple[str, list[str], bool]] = {
    "client sign-up": ("account_signup", ["alias", "email", "password1", "password2"], False),
    "practitioner sign-up": (
        "account_signup_practitioner",
        ["legal_name", "email", "password1", "password2"],
        False,
    ),
    "sign-in": ("account_login", ["login", "password"], False),
    "password reset": ("account_reset_password", ["email"], False),
    "preferences": ("accounts:preferences", ["language", "time_zone"], True),
    "password change": (
        "account_change_password",
        ["oldpassword", "password1", "password2"],
        True,
    ),
}

STORED: list[Callable[[], int]] = [
    User.objects.count,
    lambda: AuditEvent.objects.exclude(action="account.sign_in_failed").count(),
]


def _snapshot() -> list[int]:
    return [count() for count in STORED]


@pytest.mark.django_db
@pytest.mark.parametrize("form_name", sorted(FORMS))
@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=lambda v: repr(v)[:20])
def test_hostile_values_get_a_clear_error_and_store_nothing(
    form_name: str, value: object, client_person: User
) -> None:
    url_name, fields, signed_in = FORMS[form_name]
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(client_person)
    before = _snapshot()
    person_before = User.objects.values().get(pk=client_person.pk)
    response = client.post(reverse(url_name), dict.fromkeys(fields, value))
    assert response.status_code < 500
    if response.status_code == 200:
        page = response.content.decode()
        assert "errorlist" in page or "field-errors" in page or "form-errors" in page
    elif form_name != "password reset":  # a reset always answers alike (no enumeration)
        assert 400 <= response.status_code < 500
    assert _snapshot() == before
    assert User.objects.values().get(pk=client_person.pk) == person_before


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["account_signup", "account_login", "set_language"])
def test_invalid_utf8_is_answered_without_a_500(url_name: str) -> None:
    client = Client(raise_request_exception=False)
    before = _snapshot()
    response = client.post(
        reverse(url_name),
        data=b"email=%ff%fe%fd&alias=%c3%28&login=%80&password=%ed%a0%80&language=%ff",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
    assert _snapshot() == before


@pytest.mark.django_db
def test_an_alias_with_markup_is_refused_with_a_message() -> None:
    response = Client().post(
        reverse("account_signup"),
        {
            "alias": "<b>Robin</b>",
            "email": "robin@example.org",
            "password1": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
        },
    )
    assert "ordinary punctuation" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_wrong_method_gets_405() -> None:
    assert Client().get(reverse("set_language")).status_code == 405


def _patterns(
    resolver: URLResolver, prefix: str = ""
) -> list[tuple[str, URLPattern | URLResolver]]:
    found: list[tuple[str, URLPattern | URLResolver]] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        found.append((route, entry))
        if isinstance(entry, URLResolver):
            found.extend(_patterns(entry, route))
    return found


def _unbounded_routes() -> list[tuple[str, URLPattern | URLResolver]]:
    return [
        (route, entry)
        for route, entry in _patterns(get_resolver())
        if any(
            isinstance(converter, IntConverter)
            for converter in getattr(entry.pattern, "converters", {}).values()
        )
    ]


def test_no_address_of_ours_takes_an_id_of_any_length() -> None:
    """Rows are named by <id:...> (1 to 18 digits, casework/shell/converters.py): Django's
    <int:...> lets a 30-digit id through to the database, which failed on it."""
    ours = [
        route
        for route, entry in _unbounded_routes()
        if isinstance(entry, URLPattern) and entry.callback.__module__.startswith("casework")
    ]
    assert ours == []


@pytest.mark.django_db
def test_the_libraries_addresses_with_any_id_answer_404(practitioner: User, client: Client) -> None:
    """allauth's own <int:...> routes: an id too large for a row is simply not found."""
    client.force_login(practitioner)
    routes = [route for route, _entry in _unbounded_routes()]
    assert routes  # allauth's passkey routes, say
    for route in routes:
        address = "/" + re.sub(r"<int:\w+>", "9" * 30, route)
        assert client.get(address).status_code == 404, address


TOO_LARGE = "9" * 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "address"),
    [
        ("post", f"/messages/blocked/{TOO_LARGE}/unblock/"),
        ("get", f"/appointments/{TOO_LARGE}/"),
        ("get", f"/book/{TOO_LARGE}/"),
        ("post", f"/messages/blocked/{2**63}/unblock/"),
    ],
)
def test_an_id_too_large_for_any_row_answers_404(
    client_person: User, client: Client, method: str, address: str
) -> None:
    client.force_login(client_person)
    assert getattr(client, method)(address).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        f"/api/v1/practitioners/{TOO_LARGE}/slots",
        f"/api/v1/practitioners/1/slots?session_type={TOO_LARGE}",
        "/api/v1/practitioners/0/slots",
    ],
)
def test_the_api_refuses_an_id_out_of_range_with_a_reason(client: Client, address: str) -> None:
    response = client.get(address)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]

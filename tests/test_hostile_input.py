"""Malformed and hostile data posted to every form of the site: never a 500; on the forms of
signing up and in, a clear error and nothing stored."""

import re
from collections.abc import Callable
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import quote, quote_from_bytes, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django import DjangoDbBlocker

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from tests.access_world import PERSONAS, World
from tests.authorization_policy import (
    FORBIDDEN,
    IN,
    LOGIN,
    MFA,
    REAUTHENTICATE,
    ROUTES,
    Access,
)
from tests.test_authorization_matrix import ALL_ROUTES, entries_for, outcome_of, url_for

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
    assert response.json()["error"]["message"]


# --- Every form of the site, fed hostile values (a property test) ------------------------------
#
# The routes come from the authorization policy (tests/authorization_policy.py), which has to
# name every route of the site: each route that takes POST (the admin site's aside, and /api/v1,
# which tests/test_api_properties.py covers from its schema) is posted to as the first persona
# the policy lets in, on the objects of tests/access_world.py. Its fields are read from the forms
# the site itself shows: every page each of those personas may open is fetched once, and every
# <form method="post"> on it is noted under the address it posts to. A new form is so covered
# without a line here.

# Values no form expects: broken text (a lone surrogate sent as the bytes a careless client
# would send, bytes that are no UTF-8 at all, NUL, direction overrides), numbers too large for
# any column, dates that do not exist, markup, JSON fragments, very long text.
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x\ud800y",
    "\udfff",
    "\u202eevil\u202c",
    "\ufeff",
    "😀" * 300,
    "9" * 30,
    str(2**63),
    str(-(2**63) - 1),
    "-1",
    "0",
    "1e309",
    "NaN",
    "-inf",
    "2026-02-30",
    "25:61",
    "9999-12-31T23:59:59+99:00",
    "null",
    "[]",
    '{"a": ',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "x" * 20_000,
]


def _encoded(text: str) -> bytes:
    # A lone surrogate has no UTF-8 form; a client can still send the bytes that would encode it.
    return text.encode("utf-8", "surrogatepass")


VALUE = st.one_of(
    st.sampled_from(NASTY_TEXT).map(_encoded),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=40).map(_encoded),
    st.integers(min_value=-(2**80), max_value=2**80).map(lambda n: str(n).encode()),
    st.binary(max_size=16),
)
# Each field sent once, or several times (a list where one value is expected); any may be left
# out (the form is drawn with every field optional).
FIELD = st.lists(VALUE, min_size=1, max_size=3)


class _Forms(HTMLParser):
    """The fields of every form that posts, by the address it posts to."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.found: dict[str, set[str]] = {}
        self.posting_to: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form":
            posts = (named.get("method") or "get").lower() == "post"
            action = urlsplit(urljoin(self.page, named.get("action") or self.page)).path
            self.posting_to = action if posts else None
            if posts:
                self.found.setdefault(action, set())
        elif self.posting_to and tag in ("input", "select", "textarea", "button"):
            name = named.get("name")
            if name and name != "csrfmiddlewaretoken":
                self.found[self.posting_to].add(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.posting_to = None


def _routes_taking_post() -> list[tuple[str, Access]]:
    return [
        (name, entry)
        for name in sorted(ROUTES)
        if name in ALL_ROUTES and not name.startswith("api:")
        for entry in entries_for(name)
        if "POST" in entry.methods
    ]


def _poster(entry: Access) -> str | None:
    """The first persona the policy lets post here (or, where a post always ends elsewhere, such
    as signing out, open it); ``None`` when nobody may."""
    for outcomes in ((IN,), (IN, LOGIN)):
        for persona in PERSONAS:
            if entry.who[persona] == IN and entry.outcome(persona, "POST") in outcomes:
                return persona
    return None


FORM_ROUTES = [
    pytest.param(name, entry, id=f"{name}{'@' + entry.label if entry.label else ''}")
    for name, entry in _routes_taking_post()
    if _poster(entry) is not None
]
PAGE_CLIENT = Client()


def _signed_in_as(client: Client, world: World, persona: str) -> Client:
    client.cookies = SimpleCookie()
    if persona in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


@pytest.fixture(scope="module")
def site_forms(world: World, django_db_blocker: DjangoDbBlocker) -> dict[str, set[str]]:
    """Every page each posting persona may open, read once: the fields of its forms."""
    posters = {_poster(entry) for _name, entry in _routes_taking_post()} - {None}
    found: dict[str, set[str]] = {}
    pages = [
        (name, entry, persona)
        for name in sorted(ROUTES)
        if name in ALL_ROUTES and not name.startswith("api:")
        for entry in entries_for(name)
        if "GET" in entry.methods
        for persona in sorted(p for p in posters if p and entry.who[p] == IN)
    ]
    with django_db_blocker.unblock():
        for name, entry, persona in pages:
            url = url_for(world, name, entry)
            # Opening some pages changes things (a reset link signs out whoever else is signed
            # in): each is opened on the world as it was built.
            savepoint = transaction.savepoint()
            try:
                response = _signed_in_as(PAGE_CLIENT, world, persona).get(url)
            finally:
                transaction.savepoint_rollback(savepoint)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            parser = _Forms(url)
            parser.feed(response.content.decode(errors="replace"))
            for action, fields in parser.found.items():
                found.setdefault(action, set()).update(fields)
    return found


HOSTILE_CLIENT = Client(raise_request_exception=True)

# One value of each kind of trouble, sent in every field of every form (the random examples
# below mix them, and others, field by field).
EVERY_FIELD = [
    "",
    "a\x00b",
    "x\ud800y",
    "\u202eevil",
    "9" * 30,
    str(-(2**63) - 1),
    "NaN",
    "2026-02-30",
    '{"a": ',
    "😀x" * 5_000,
]


def _post_hostile(world: World, name: str, entry: Access, values: dict[str, list[bytes]]) -> None:
    """Post ``values`` (each field's values, in order) as the persona who may use the form:
    never a 500, and the values reached the form."""
    persona = _poster(entry)
    assert persona is not None
    body = "&".join(
        f"{quote(field)}={quote_from_bytes(value)}"
        for field, sent in values.items()
        for value in sent
    )
    cache.clear()
    savepoint = transaction.savepoint()
    try:
        response = _signed_in_as(HOSTILE_CLIENT, world, persona).post(
            url_for(world, name, entry), body, content_type="application/x-www-form-urlencoded"
        )
    finally:
        transaction.savepoint_rollback(savepoint)
    assert response.status_code < 500
    # The person was not turned away before the form.
    refusals = {LOGIN, MFA, REAUTHENTICATE, FORBIDDEN} - {entry.outcome(persona, "POST")}
    assert outcome_of(response, HOSTILE_CLIENT) not in refusals


def _fields(world: World, site_forms: dict[str, set[str]], name: str, entry: Access) -> list[str]:
    path = urlsplit(url_for(world, name, entry)).path
    return sorted(site_forms.get(path, set()) | set(entry.query))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "entry"), FORM_ROUTES)
def test_no_form_answers_500_to_one_hostile_value_in_every_field(
    world: World, site_forms: dict[str, set[str]], name: str, entry: Access
) -> None:
    fields = _fields(world, site_forms, name, entry)
    for value in EVERY_FIELD:
        _post_hostile(world, name, entry, {field: [_encoded(value)] for field in fields})


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "entry"), FORM_ROUTES)
@hypothesis_settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_form_answers_500_to_hostile_values(
    world: World, site_forms: dict[str, set[str]], name: str, entry: Access, data: st.DataObject
) -> None:
    fields = _fields(world, site_forms, name, entry)
    values = data.draw(
        st.fixed_dictionaries({}, optional=dict.fromkeys(fields, FIELD)), label="form"
    )
    _post_hostile(world, name, entry, values)

"""Personal access tokens for /api/v1: what a token may do (scopes), how one is made and
recognised, and the ``Authorization: Bearer`` authentication that stands beside the session.

A token reads as ``cw_`` and 43 URL-safe characters (256 random bits). Only its SHA-256 is
stored; its first ten characters (``prefix``) are kept to show the person which token is which.
A scope is an area and a level: ``messaging:read``, ``messaging:write`` (write includes read).
Staff tokens follow the staff rule of the pages: only with a second factor, and a token stops
working the moment its owner's second factor is gone.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from casework.accounts.models import ApiToken, Role, User
from casework.accounts.second_factor import PersonSession, fully_signed_in

TOKEN_PREFIX = "cw_"  # noqa: S105  (the marker every token starts with, not a secret)
SHOWN_PREFIX_LENGTH = 10

READ = "read"
WRITE = "write"
LEVELS = {READ: _("read"), WRITE: _("read and write")}

# The areas a token may be given, and what each covers, as the account page shows them.
AREAS = {
    "scheduling": _("Appointments and bookings"),
    "messaging": _("Conversations and messages"),
    "safety": _("Reports and blocks"),
    "complaints": _("Complaints"),
    "care": _("Check-ins"),
    "community": _("Community articles"),
    "privacy": _("Your own data"),
    "oversight": _("Regulator's registrants and complaints"),
}
# Areas whose every operation is for some roles only (oversight's: as its portal, officers and
# administrators). The account page offers them to those roles alone; each operation still
# checks the role itself.
AREA_ROLES: dict[str, frozenset[str]] = {"oversight": frozenset({Role.OFFICER, Role.ADMIN})}


def areas_for(person: User) -> dict[str, str]:
    """The areas a token of ``person`` can be of use in, with what each covers."""
    return {
        area: str(label)
        for area, label in AREAS.items()
        if area not in AREA_ROLES or person.role in AREA_ROLES[area]
    }


LIFETIMES = {
    7: _("7 days"),
    30: _("30 days"),
    90: _("90 days"),
    365: _("a year"),
}
ACTIVE_TOKENS_AT_MOST = 20
# last_used_at is written at most this often (a read need not cost a write).
USE_RECORDED_EVERY = timedelta(minutes=1)


def scope(area: str, level: str) -> str:
    if area not in AREAS or level not in LEVELS:
        raise ValueError(f"no such scope: {area}:{level}")
    return f"{area}:{level}"


ALL_SCOPES = frozenset(scope(area, level) for area in AREAS for level in LEVELS)


def allows(scopes: list[str], wanted: str) -> bool:
    """A token's scopes allow ``wanted`` (write includes read)."""
    area, level = wanted.split(":")
    return wanted in scopes or (level == READ and f"{area}:{WRITE}" in scopes)


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def is_live(token: ApiToken, now: datetime) -> bool:
    return token.revoked_at is None and token.expires_at > now


def find_token(secret: str, *, now: datetime) -> ApiToken | None:
    """The live token whose secret this is, with its person; None for anything else."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.select_related("person")
        .filter(secret_hash=hash_of(secret), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.person.is_active or not fully_signed_in(token.person):
        return None
    return token


class PersonToken(HttpBearer):
    """``Authorization: Bearer cw_...``: a live token of an active person (staff with their
    second factor), holding ``scope``. A token without the scope is answered 403. With no
    scope wanted (a public read that belongs to no area: verification, the directory), any
    live token of the person will do."""

    openapi_description = (
        "A personal access token from your account page (/accounts/tokens/), scoped per area"
    )

    def __init__(self, wanted: str | None) -> None:
        assert wanted is None or wanted in ALL_SCOPES, wanted  # noqa: S101  (a typo)
        self.wanted = wanted
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        from casework.accounts import services

        now = timezone.now()
        found = find_token(token, now=now)
        if found is None:
            return None
        if self.wanted is not None and not allows(found.scopes, self.wanted):
            raise AuthorizationError(
                403,
                str(
                    _("This token lacks the scope %(scope)s: make one that has it.")
                    % {"scope": self.wanted}
                ),
            )
        services.note_api_token_use(token=found, now=now)
        person = found.person
        request.user = person  # the operations read the person as pages do
        return person


def person_auth(area: str, level: str) -> list[Any]:
    """An operation's authentication: a token with the scope, or the browser session (with
    its CSRF check on writes)."""
    return [PersonToken(scope(area, level)), PersonSession()]


class Visitor:
    """No credentials at all: an anonymous caller, where an operation is open to anyone.

    Tried after the token and the session, so it lets in only a request that brings no
    ``Authorization`` header: a token that is wrong, expired or revoked is answered 401, as by
    every other operation, never read as a visitor. A session that does not sign its person in
    (staff without their second factor) reads as a visitor, as the pages show it."""

    def __call__(self, request: HttpRequest) -> AnonymousUser | None:
        if "Authorization" in request.headers:
            return None
        request.user = AnonymousUser()
        return request.user  # (truthy: ninja lets the request in)


def open_to_anyone(area: str | None, level: str = READ) -> dict[str, Any]:
    """An operation's ``auth`` and the security its schema declares, when anyone may call it
    and a person may sign in to it: a token (with ``area``'s scope at ``level``, or any token
    when ``area`` is None), the browser session (with its CSRF check on writes), or nothing."""
    wanted = scope(area, level) if area is not None else None
    auth: list[Any] = [PersonToken(wanted), PersonSession(), Visitor()]
    # ninja declares the token and the session and adds these to them: the empty requirement.
    return {"auth": auth, "openapi_extra": {"security": [{}]}}

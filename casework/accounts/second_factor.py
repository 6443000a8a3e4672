"""Staff count as signed in only with a second factor: one rule for pages (middleware), the
API (``PersonSession``) and websockets, which stand outside the page middleware."""

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest
from ninja.security import SessionAuth

from casework.accounts.models import User

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def has_second_factor(person: User) -> bool:
    return bool(is_mfa_enabled(person, types=SECOND_FACTORS))


def fully_signed_in(person: User) -> bool:
    """Clients need only their password; staff, whose role shows other people's records, also
    need a second factor."""
    return not person.is_staff_role or has_second_factor(person)


class PersonSession(SessionAuth):
    """The API's session authentication, under the same rule as pages."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if not isinstance(user, User) or not fully_signed_in(user):
            return None
        return user

"""Staff count as signed in only with a second factor: one rule for pages (middleware), the
API (``PersonSession``) and websockets, which stand outside the page middleware; and a TOTP
code is taken once, recorded in the database (``take_time_step``)."""

from datetime import timedelta
from typing import Any

from allauth.core.internal.cryptokit import compare_user_code
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt, is_mfa_enabled
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import SessionAuth

from casework.accounts.models import UsedTimeStep, User

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
KEEP_USED_STEPS = timedelta(days=1)


def has_second_factor(person: User) -> bool:
    return bool(is_mfa_enabled(person, types=SECOND_FACTORS))


def fully_signed_in(person: User) -> bool:
    """Clients need only their password; staff, whose role shows other people's records, also
    need a second factor."""
    return not person.is_staff_role or has_second_factor(person)


class PersonSession(SessionAuth):
    """The API's session authentication, under the same rule as pages."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is no session to forge a request with: no CSRF check,
        # so a request with neither a session nor a valid token is told 401, not 403 CSRF.
        # A request that brings a token is judged by its token alone: a wrong token is 401 even
        # beside a session.
        if self.param_name not in request.COOKIES or "Authorization" in request.headers:
            return None
        key: str | None = super()._get_key(request)
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:  # no session cookie, or a token that speaks instead (_get_key)
            return None
        user = super().authenticate(request, key)
        if not isinstance(user, User) or not fully_signed_in(user):
            return None
        return user


def take_time_step(authenticator: Authenticator, code: str) -> bool:
    """Record the time step a correct TOTP code belongs to; False when that step was taken
    already (the code is a replay). Called after allauth accepted the code."""
    secret = decrypt(authenticator.data["secret"])
    step = next(
        (
            counter
            for counter in yield_hotp_counters_from_time()
            if compare_user_code(
                actual=code, expected=format_hotp_value(hotp_value(secret, counter))
            )
        ),
        None,
    )
    if step is None:
        return False
    now = timezone.now()
    try:
        with transaction.atomic():
            UsedTimeStep.objects.create(authenticator=authenticator, step=step, used_at=now)
    except IntegrityError:
        return False
    # Only the current steps can be replayed: older records are kept no longer than a day.
    UsedTimeStep.objects.filter(
        authenticator=authenticator, used_at__lt=now - KEEP_USED_STEPS
    ).delete()
    return True

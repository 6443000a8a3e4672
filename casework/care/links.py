"""Signed, short-lived links that open one check-in, for one client, once.

The token binds the check-in's id and its client's id and carries its signing time; it is good
for ``CARE_CHECK_IN_LINK_MAX_AGE`` (24 hours unless configured). "Once" is the check-in's own
state: an answered check-in refuses every further answer, whatever link brought it.
"""

from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.urls import reverse

from casework.care.models import CheckIn

SALT = "casework.care.check-in-link"


class LinkProblem(StrEnum):
    EXPIRED = "expired"
    INVALID = "invalid"


def max_age() -> timedelta:
    configured = getattr(settings, "CARE_CHECK_IN_LINK_MAX_AGE", timedelta(hours=24))
    return configured if isinstance(configured, timedelta) else timedelta(seconds=configured)


def token_for(check_in: CheckIn, client_id: int) -> str:
    signer = signing.TimestampSigner(salt=SALT)
    return signer.sign_object({"c": check_in.pk.hex, "p": client_id}, compress=False)


def link_for(check_in: CheckIn, client_id: int) -> str:
    path = reverse("care:check_in", kwargs={"check_in_id": check_in.pk})
    return f"{settings.SITE_URL}{path}?t={token_for(check_in, client_id)}"


def check_token(token: str, check_in: CheckIn) -> LinkProblem | None:
    """None when the token opens this check-in for its client; otherwise what is wrong."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        payload = signer.unsign_object(token, max_age=max_age())
    except signing.SignatureExpired:
        return LinkProblem.EXPIRED
    except signing.BadSignature:
        return LinkProblem.INVALID
    if (
        not isinstance(payload, dict)
        or payload.get("c") != check_in.pk.hex
        or payload.get("p") != check_in.case.client_id
    ):
        return LinkProblem.INVALID
    return None

"""The holder's side: a practitioner downloads, copies and shares their own credential, and
offers it to a wallet app (OpenID4VCI, see openid4vci.py), from their registrations page."""

import re
from dataclasses import dataclass

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_ratelimit.core import is_ratelimited

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.registry.access import get_own_credential, held_credentials
from casework.registry.credentials.addresses import public_url
from casework.registry.credentials.issuance import VC_JWT_MEDIA_TYPE
from casework.registry.credentials.models import IssuedCredential
from casework.registry.credentials.offers import make_offer
from casework.registry.credentials.openid4vci import credential_offer_uri

# Offers a practitioner may make in an hour: plenty for retries, few enough to stop a loop.
OFFER_RATE = "20/h"
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9-]+")


@dataclass(frozen=True)
class CredentialPanel:
    """One held credential as the registrations page shows it."""

    credential: IssuedCredential
    verification_url: str | None
    qr_svg: str


def _verification_url(credential: IssuedCredential) -> str | None:
    """The public verification page of the registration (none for a number no address can
    hold, such as one with a slash)."""
    claim = credential.claim
    try:
        return public_url(
            "registry:verification",
            regulator=claim.regulator.slug,
            number=claim.registration_number,
        )
    except NoReverseMatch:
        return None


def _qr_svg(content: str, *, error: str) -> str:
    """An SVG QR code that scales with CSS (a viewBox, no fixed size), so it fits any screen."""
    return str(segno.make(content, error=error).svg_inline(scale=4, omitsize=True))


def credential_panels(person: User) -> list[CredentialPanel]:
    """The person's held credentials, one per claim (the newest, should a claim have two)."""
    panels, seen = [], set()
    for credential in held_credentials(person):
        if credential.claim_id in seen:
            continue
        seen.add(credential.claim_id)
        url = _verification_url(credential)
        panels.append(
            CredentialPanel(
                credential=credential,
                verification_url=url,
                qr_svg=_qr_svg(url, error="m") if url else "",
            )
        )
    return panels


def credential_filename(credential: IssuedCredential) -> str:
    claim = credential.claim
    number = _UNSAFE_IN_FILENAME.sub("-", claim.registration_number).strip("-") or "credential"
    return f"casework-{claim.regulator.slug}-{number}.jwt"


def _holder(request: HttpRequest) -> User:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (role_required ran)
    return person


@role_required(Role.PRACTITIONER)
@require_safe
def download_credential(request: HttpRequest, claim_id: int) -> HttpResponse:
    credential = get_own_credential(_holder(request), claim_id)
    response = HttpResponse(credential.jwt, content_type=VC_JWT_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{credential_filename(credential)}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


@role_required(Role.PRACTITIONER)
@require_POST
def offer_to_wallet(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Make a one-time offer and show it at once: the code exists only in this response (it is
    stored hashed), so the page is answered to the POST and never cached."""
    person = _holder(request)
    credential = get_own_credential(person, claim_id)
    if is_ratelimited(request, group="oid4vci.offer", key="user", rate=OFFER_RATE, increment=True):
        messages.error(
            request, _("You have made many wallet offers in the last hour. Try again later.")
        )
        return redirect("registry:my_registrations")
    made = make_offer(credential=credential, holder=person)
    offer_uri = credential_offer_uri(made.pre_authorized_code)
    response = TemplateResponse(
        request,
        "registry/credentials/wallet_offer.html",
        {
            "credential": credential,
            "offer": made.offer,
            "offer_uri": offer_uri,
            "qr_svg": _qr_svg(offer_uri, error="l"),
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response

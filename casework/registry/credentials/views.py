"""Public credential endpoints: the issuer's DID document, the status lists, and the page where
anyone checks a credential (on the server, and in their browser with WebCrypto)."""

import hashlib
import json

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from casework.registry.credentials.did import DID_JSON_MEDIA_TYPE, build_did_document
from casework.registry.credentials.forms import CredentialForm
from casework.registry.credentials.issuance import VC_JWT_MEDIA_TYPE
from casework.registry.credentials.models import StatusList
from casework.registry.credentials.status_list import STATUS_LIST_TTL_SECONDS
from casework.registry.credentials.verification import (
    PROBLEMS,
    CredentialSummary,
    verify_credential_jwt,
)
from casework.registry.models import Jurisdiction, Regulator
from casework.registry.verification import MEANINGS

# What the browser check says around the problems (which come from PROBLEMS).
BROWSER_TEXTS = {
    "checking": _("Checking…"),
    "valid": _("Valid."),
    "validDetail": _(
        "Your browser found the signature genuine, the credential within its dates, and "
        "neither revoked nor suspended."
    ),
    "invalid": _("Not valid."),
    "agree": _("Your browser and our server agree."),
    "disagree": _(
        "Your browser and our server disagree. Do not rely on this credential, and tell us "
        "about it."
    ),
    "unsupported": _(
        "This browser cannot check Ed25519 signatures. The server's check still applies."
    ),
    "empty": _("Paste a credential first."),
}


def _public_resource(response: HttpResponse) -> HttpResponse:
    """Cacheable by anyone for the status list's time to live, readable from any origin (other
    verifiers' pages fetch these), and never tied to a cookie."""
    patch_cache_control(response, public=True, max_age=STATUS_LIST_TTL_SECONDS)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
@require_safe
def did_document(request: HttpRequest) -> HttpResponse:
    body = json.dumps(build_did_document(), indent=2)
    return _public_resource(HttpResponse(body, content_type=DID_JSON_MEDIA_TYPE))


@login_not_required
@require_safe
def status_list(request: HttpRequest, list_id: str) -> HttpResponse:
    signed = (
        StatusList.objects.filter(public_id=list_id)
        .exclude(signed_jwt="")
        .values_list("signed_jwt", flat=True)
        .first()
    )
    if not signed:
        raise Http404
    etag = f'"{hashlib.sha256(signed.encode()).hexdigest()[:32]}"'
    response = _public_resource(HttpResponse(signed, content_type=VC_JWT_MEDIA_TYPE))
    response["ETag"] = etag
    conditional = get_conditional_response(request, etag=etag, response=response)
    if conditional is None or conditional is response:
        return response
    conditional["ETag"] = etag  # a 304 Not Modified, with the same caching headers
    return _public_resource(conditional)


def _live_check_url(summary: CredentialSummary) -> str | None:
    """The live register check for the registration the credential is about, if we know it."""
    regulator = Regulator.objects.filter(website=summary.regulator_id).first()
    if regulator is None or not summary.registration_number:
        return None
    try:
        return reverse(
            "registry:verification",
            kwargs={"regulator": regulator.slug, "number": summary.registration_number},
        )
    except NoReverseMatch:
        return None


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify_credential(request: HttpRequest) -> HttpResponse:
    form = CredentialForm(request.POST if request.method == "POST" else None)
    result = None
    context: dict[str, object] = {}
    if form.is_bound and form.is_valid():
        result = verify_credential_jwt(form.cleaned_data["credential"])
        if result.summary is not None:
            summary = result.summary
            jurisdiction = Jurisdiction.objects.filter(code=summary.jurisdiction).first()
            context.update(
                summary=summary,
                jurisdiction_name=jurisdiction.label if jurisdiction else summary.jurisdiction,
                regulator_url=(
                    summary.regulator_id
                    if summary.regulator_id.startswith(("https://", "http://"))
                    else None
                ),
                status_meaning=MEANINGS.get(summary.registration_status, ""),
                live_check_url=_live_check_url(summary),
            )
    context.update(
        form=form,
        result=result,
        # For the browser check: the same sentences, and what the server found.
        problem_messages={code: str(message) for code, message in PROBLEMS.items()},
        browser_texts={key: str(text) for key, text in BROWSER_TEXTS.items()},
        server_codes=result.codes if result is not None else None,
        did_document_url=reverse("credentials:did_document"),
    )
    return TemplateResponse(request, "registry/credentials/verify_credential.html", context)

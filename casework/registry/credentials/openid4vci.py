"""OpenID for Verifiable Credential Issuance 1.0 (OpenID4VCI), Pre-Authorized Code Flow: how a
holder's wallet receives the credential the holder downloads from their registrations page.

The site is both the Credential Issuer and its OAuth 2.0 Authorization Server (the issuer
metadata has no ``authorization_servers``: "the entity providing the Credential Issuer is also
acting as the Authorization Server"). Spec text this follows:

- Credential Offer (section 4.1): ``credential_issuer``, ``credential_configuration_ids`` and
  ``grants`` with ``urn:ietf:params:oauth:grant-type:pre-authorized_code`` holding the
  ``pre-authorized_code`` ("MUST be short lived and single use"), sent by value in
  ``openid-credential-offer://?credential_offer=...``.
- Issuer metadata (section 12.2): at the issuer identifier with
  ``/.well-known/openid-credential-issuer`` inserted "between the host component and the path
  component"; ``credential_issuer`` "MUST be identical" to that identifier. No
  ``nonce_endpoint`` and no ``proof_types_supported``: the credential is bound to no key, so
  "the Wallet is not required to supply proofs".
- ``jwt_vc_json`` (appendix A.1.1): ``credential_definition.type``, JWS algorithm names in
  ``credential_signing_alg_values_supported``, and the credential returned as the JWT itself.
- Token Endpoint (section 6, RFC 6749 sections 4.1.3, 5.1, 5.2): a form-encoded POST with
  ``grant_type`` and ``pre-authorized_code``; errors ``invalid_request``, ``invalid_grant``
  ("the Pre-Authorized Code has expired"), ``unsupported_grant_type``; ``Cache-Control:
  no-store``. Anonymous clients are accepted (``pre-authorized_grant_anonymous_access_supported``).
- Credential Endpoint (section 8): a JSON POST with a Bearer access token (RFC 6750) naming
  ``credential_configuration_id``; the answer is ``{"credentials": [{"credential": ...}]}``;
  errors ``invalid_credential_request``, ``unknown_credential_configuration``,
  ``unknown_credential_identifier``, ``invalid_encryption_parameters``,
  ``credential_request_denied``, and RFC 6750's ``invalid_token`` (401).
"""

import json
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django_ratelimit.core import is_ratelimited

from casework.registry.credentials.addresses import public_url
from casework.registry.credentials.issuance import ALGORITHM, CREDENTIAL_TYPE
from casework.registry.credentials.offers import (
    ACCESS_TOKEN_LIFETIME,
    WalletRequestRefused,
    deliver_credential,
    offer_for_access_token,
    redeem_pre_authorized_code,
)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CREDENTIAL_FORMAT = "jwt_vc_json"
# The one credential configuration: named after the credential's type.
CONFIGURATION_ID = CREDENTIAL_TYPE
OFFER_SCHEME = "openid-credential-offer://"
# Per address, on each wallet endpoint. Codes and tokens are 256 random bits, so this is no
# guard against guessing (nothing is): it keeps one client from tying up the endpoints.
WALLET_RATE = "30/m"
# A credential request is a few hundred bytes of JSON.
MAX_REQUEST_BYTES = 16 * 1024

# What wallets show, in each language the site speaks.
CREDENTIAL_NAME = _("Social work registration")
CREDENTIAL_DESCRIPTION = _(
    "Casework's signed statement that this registration with a social work regulator is "
    "yours, with its status on the register."
)
CLAIM_NAMES: list[tuple[list[str], Any]] = [
    (["credentialSubject", "name"], _("Name on the register")),
    (["credentialSubject", "registrationNumber"], _("Registration number")),
    (["credentialSubject", "registrationStatus"], _("Register status")),
    (["credentialSubject", "regulator", "name"], _("Regulator")),
    (["credentialSubject", "jurisdiction"], _("Jurisdiction")),
]


def credential_issuer() -> str:
    """The Credential Issuer Identifier: the site's address (scheme, host, port, path)."""
    return str(settings.SITE_URL)


def well_known_url(identifier: str, name: str) -> str:
    """RFC 8414 section 3 and OpenID4VCI section 12.2.2: ``/.well-known/<name>`` goes between
    the host and the path of the identifier."""
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"/.well-known/{name}{path}", "", ""))


def _in_each_language(build: Any) -> list[dict[str, Any]]:
    entries = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            entries.append({**build(), "locale": code})
    return entries


def issuer_metadata() -> dict[str, Any]:
    return {
        "credential_issuer": credential_issuer(),
        "credential_endpoint": public_url("credentials:oid4vci_credential"),
        "display": _in_each_language(lambda: {"name": "Casework"}),
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": CREDENTIAL_FORMAT,
                "credential_signing_alg_values_supported": [ALGORITHM],
                "credential_definition": {"type": ["VerifiableCredential", CREDENTIAL_TYPE]},
                "credential_metadata": {
                    "display": _in_each_language(
                        lambda: {
                            "name": str(CREDENTIAL_NAME),
                            "description": str(CREDENTIAL_DESCRIPTION),
                        }
                    ),
                    "claims": [
                        {
                            "path": path,
                            "mandatory": True,
                            "display": _in_each_language(lambda name=name: {"name": str(name)}),
                        }
                        for path, name in CLAIM_NAMES
                    ],
                },
            }
        },
    }


def authorization_server_metadata() -> dict[str, Any]:
    """RFC 8414 metadata. ``response_types_supported`` is left out, as OpenID4VCI section 12.2.4
    allows "an Authorization Server that only supports the Pre-Authorized Code grant type"."""
    return {
        "issuer": credential_issuer(),
        "token_endpoint": public_url("credentials:oid4vci_token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def credential_offer(pre_authorized_code: str) -> dict[str, Any]:
    return {
        "credential_issuer": credential_issuer(),
        "credential_configuration_ids": [CONFIGURATION_ID],
        "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": pre_authorized_code}},
    }


def credential_offer_uri(pre_authorized_code: str) -> str:
    """The offer by value, as a wallet link and QR code carry it."""
    offer = json.dumps(credential_offer(pre_authorized_code), separators=(",", ":"))
    return f"{OFFER_SCHEME}?{urlencode({'credential_offer': offer})}"


def _metadata_response(document: dict[str, Any]) -> HttpResponse:
    """Public, cacheable for a few minutes, readable from any origin (web wallets fetch it)."""
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, public=True, max_age=300)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _no_store(response: HttpResponse) -> HttpResponse:
    # RFC 6749 section 5.1 and OpenID4VCI's examples: tokens and credentials are never cached.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _error(error: str, description: str, *, status: int = 400) -> HttpResponse:
    return _no_store(
        JsonResponse({"error": error, "error_description": description}, status=status)
    )


def _too_many(request: HttpRequest, group: str) -> HttpResponse | None:
    if not is_ratelimited(request, group=group, key="ip", rate=WALLET_RATE, increment=True):
        return None
    # RFC 8628's slow_down is the registered token-endpoint code for "poll less often".
    response = _error(
        "slow_down", "Too many requests from this address: wait a minute.", status=429
    )
    response["Retry-After"] = "60"
    return response


@login_not_required
@require_safe
def issuer_metadata_view(request: HttpRequest) -> HttpResponse:
    return _metadata_response(issuer_metadata())


@login_not_required
@require_safe
def authorization_server_metadata_view(request: HttpRequest) -> HttpResponse:
    return _metadata_response(authorization_server_metadata())


def _media_type(request: HttpRequest) -> str:
    return (request.content_type or "").split(";", 1)[0].strip().lower()


@login_not_required
@csrf_exempt  # called by wallets, which hold no session: the pre-authorized code is the proof
@require_POST
def token_endpoint(request: HttpRequest) -> HttpResponse:
    refused = _too_many(request, "oid4vci.token")
    if refused is not None:
        return refused
    if _media_type(request) != "application/x-www-form-urlencoded":
        return _error(
            "invalid_request",
            "Send the token request as application/x-www-form-urlencoded (RFC 6749 4.1.3).",
        )
    form = request.POST
    repeated = sorted(name for name in form if len(form.getlist(name)) > 1)
    if repeated:  # RFC 6749 section 3.2: "MUST NOT be included more than once"
        return _error("invalid_request", f"Parameters sent more than once: {', '.join(repeated)}.")
    grant_type = form.get("grant_type", "")
    if not grant_type:
        return _error("invalid_request", "The grant_type parameter is missing.")
    if grant_type != PRE_AUTHORIZED_GRANT:
        return _error(
            "unsupported_grant_type", f"Only the grant type {PRE_AUTHORIZED_GRANT} is supported."
        )
    code = form.get("pre-authorized_code", "")
    if not code:
        return _error("invalid_request", "The pre-authorized_code parameter is missing.")
    if "tx_code" in form:  # OpenID4VCI section 6.3: not expected, so invalid_request
        return _error("invalid_request", "This offer asks for no Transaction Code (tx_code).")
    try:
        token, _offer = redeem_pre_authorized_code(code=code)
    except WalletRequestRefused as refusal:
        return _error(refusal.error, refusal.description)
    return _no_store(
        JsonResponse(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            }
        )
    )


def _bearer_challenge(description: str, *, error: str | None) -> HttpResponse:
    """RFC 6750 section 3: 401 with a WWW-Authenticate challenge; no error code when the
    request carried no token at all."""
    body = (
        {"error_description": description}
        if error is None
        else {
            "error": error,
            "error_description": description,
        }
    )
    response = _no_store(JsonResponse(body, status=401))
    challenge = 'Bearer realm="casework"'
    if error is not None:
        challenge += f', error="{error}", error_description="{description}"'
    response["WWW-Authenticate"] = challenge
    return response


def _no_duplicate_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"{name} is sent more than once")
        result[name] = value
    return result


def _credential_request(request: HttpRequest) -> dict[str, Any]:
    """The JSON object of a credential request. Raises WalletRequestRefused."""
    if _media_type(request) != "application/json":
        raise WalletRequestRefused(
            "invalid_credential_request", "Send the credential request as application/json."
        )
    try:
        body = request.body
    except RequestDataTooBig as error:
        raise WalletRequestRefused(
            "invalid_credential_request", "The request is too large."
        ) from error
    if len(body) > MAX_REQUEST_BYTES:
        raise WalletRequestRefused("invalid_credential_request", "The request is too large.")
    try:
        value = json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicate_members)
    except UnicodeDecodeError as error:
        raise WalletRequestRefused(
            "invalid_credential_request", "The request body is not UTF-8 text."
        ) from error
    except json.JSONDecodeError as error:
        raise WalletRequestRefused(
            "invalid_credential_request",
            f"The request body is not JSON: {error.msg} at line {error.lineno} column "
            f"{error.colno}.",
        ) from error
    except ValueError as error:
        raise WalletRequestRefused(
            "invalid_credential_request", f"The request repeats a parameter: {error}."
        ) from error
    if not isinstance(value, dict):
        raise WalletRequestRefused(
            "invalid_credential_request", "The request body must be a JSON object."
        )
    return value


def _check_credential_request(body: dict[str, Any]) -> None:
    if "credential_identifier" in body:
        # Only meaningful when the token response returned credential_identifiers; ours never
        # does, so no identifier is ever known.
        raise WalletRequestRefused(
            "unknown_credential_identifier",
            "No credential identifiers are issued here: send credential_configuration_id.",
        )
    configuration = body.get("credential_configuration_id")
    if configuration is None:
        raise WalletRequestRefused(
            "invalid_credential_request", "The credential_configuration_id parameter is missing."
        )
    if not isinstance(configuration, str):
        raise WalletRequestRefused(
            "invalid_credential_request", "credential_configuration_id must be a string."
        )
    if configuration != CONFIGURATION_ID:
        raise WalletRequestRefused(
            "unknown_credential_configuration",
            f"Unknown credential configuration; this issuer offers {CONFIGURATION_ID}.",
        )
    if "credential_response_encryption" in body:
        # The metadata offers no credential_response_encryption.
        raise WalletRequestRefused(
            "invalid_encryption_parameters", "Encrypted credential responses are not supported."
        )
    # "proofs" is not checked: the credential binds no key (no proof_types_supported), so any
    # proofs a wallet sends anyway change nothing about what it receives.


@login_not_required
@csrf_exempt  # called by wallets with a Bearer token, never with a session cookie
@require_POST
def credential_endpoint(request: HttpRequest) -> HttpResponse:
    refused = _too_many(request, "oid4vci.credential")
    if refused is not None:
        return refused
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return _bearer_challenge(
            "Send the access token from the token endpoint as a Bearer token.", error=None
        )
    try:
        offer = offer_for_access_token(token=token)
    except WalletRequestRefused as refusal:
        return _bearer_challenge(refusal.description, error=refusal.error)
    try:
        _check_credential_request(_credential_request(request))
        credential = deliver_credential(offer=offer)
    except WalletRequestRefused as refusal:
        if refusal.error == "invalid_token":
            return _bearer_challenge(refusal.description, error=refusal.error)
        return _error(refusal.error, refusal.description)
    return _no_store(JsonResponse({"credentials": [{"credential": credential.jwt}]}))

"""The issuer's identifier: a did:web DID for the site's host, and its DID document.

did:web method specification, "Method-specific identifier": "A port MAY be included and the
colon MUST be percent encoded to prevent a conflict with paths." So http://127.0.0.1:8000 is
did:web:127.0.0.1%3A8000 (the spec also says the identifier "MUST NOT include IP addresses":
only the development default is an address; deployments use their domain name).

The document lists every signing key, active or retired, as a verification method of type
``JsonWebKey`` ("The value of the type property of the verification method MUST be
JsonWebKey", VC-JOSE-COSE section 4.3, which also says "Verification material MUST be expressed
in the publicKeyJwk property"). All keys stay in ``assertionMethod`` so that credentials signed
by a retired key still verify; only the active key is listed for ``authentication``.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from casework.registry.credentials.models import SigningKey

# The DID 1.1 context defines JsonWebKey and publicKeyJwk (as does Controlled Identifiers v1.0).
DID_CONTEXT = "https://www.w3.org/ns/did/v1.1"
# DID Core 1.0, section 6.2: the JSON representation's media type; did:web maps did.json to it.
DID_JSON_MEDIA_TYPE = "application/did+json"


def issuer_did() -> str:
    parts = urlsplit(settings.SITE_URL)
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError("SITE_URL has no host name.")
    if parts.port is not None:
        host = f"{host}%3A{parts.port}"
    return f"did:web:{host}"


def did_document_url() -> str:
    """Where the document is served (for a verifier that already knows the site)."""
    return f"{settings.SITE_URL}/.well-known/did.json"


def verification_method_id(kid: str, *, did: str | None = None) -> str:
    return f"{did or issuer_did()}#{kid}"


def build_did_document() -> dict[str, Any]:
    did = issuer_did()
    keys = list(SigningKey.objects.order_by("created_at", "pk"))
    methods = [
        {
            "id": verification_method_id(key.kid, did=did),
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": {
                "kty": key.public_jwk["kty"],
                "crv": key.public_jwk["crv"],
                "x": key.public_jwk["x"],
                "kid": key.kid,
            },
        }
        for key in keys
    ]
    return {
        "@context": [DID_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
        "authentication": [verification_method_id(key.kid, did=did) for key in keys if key.active],
    }

"""The issuer's identifier: a did:web DID for the site's host, and its DID document.

did:web method specification, "Method-specific identifier": "A port MAY be included and the
colon MUST be percent encoded to prevent a conflict with paths." So http://127.0.0.1:8000 is
did:web:127.0.0.1%3A8000 (the spec also says the identifier "MUST NOT include IP addresses":
only the development default is an address; deployments use their domain name).

A site served below a path follows the method's path rule ("Optional path ... separated by
colons", read as "did:web:w3c-ccg.github.io:user:alice" -> "https://w3c-ccg.github.io/user/alice
/did.json"): https://example.org/casework is did:web:example.org:casework, its document at
https://example.org/casework/did.json. Without a path the document is at
https://<host>/.well-known/did.json. (/.well-known/did.json stays served below a path too: this
site's own pages fetch it there.)

The document lists every signing key, active or retired, as a verification method of type
``JsonWebKey`` ("The value of the type property of the verification method MUST be
JsonWebKey", VC-JOSE-COSE section 4.3, which also says "Verification material MUST be expressed
in the publicKeyJwk property"). All keys stay in ``assertionMethod`` so that credentials signed
by a retired key still verify; only the active key is listed for ``authentication``.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from casework.registry.credentials.addresses import public_url, site_has_path
from casework.registry.credentials.models import SigningKey

# The DID 1.1 context defines JsonWebKey and publicKeyJwk (as does Controlled Identifiers v1.0).
DID_CONTEXT = "https://www.w3.org/ns/did/v1.1"
# DID Core 1.0, section 6.2: the JSON representation's media type; did:web maps did.json to it.
DID_JSON_MEDIA_TYPE = "application/did+json"
# DID Core 1.0, section 3.1: idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
_IDCHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")


def _segment(text: str) -> str:
    """One path segment as DID method-specific-id characters (anything else percent-encoded)."""
    return "".join(
        char if char in _IDCHARS else "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        for char in text
    )


def issuer_did() -> str:
    parts = urlsplit(settings.SITE_URL)
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError("SITE_URL has no host name.")
    if parts.port is not None:
        host = f"{host}%3A{parts.port}"
    segments = [_segment(segment) for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", host, *segments])


def did_document_url() -> str:
    """Where did:web resolves our DID: <site>/did.json below a path, else
    <site>/.well-known/did.json."""
    if site_has_path():
        return public_url("credentials:did_document_at_path")
    return public_url("credentials:did_document")


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

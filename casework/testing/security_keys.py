"""A security key in software, for tests: it answers the browser's WebAuthn registration the
way a real key does (a fresh P-256 key pair, "none" attestation), so a key is added through
allauth's own page and checks, not written into the database."""

import hashlib
import json
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)


class SoftwareKey:
    """One authenticator holding one credential for the site it registered with."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)

    def register(self, creation_options: dict[str, Any], origin: str) -> dict[str, Any]:
        """The registration response (as the browser's JSON) to ``creation_options``."""
        options = creation_options["publicKey"]
        rp_id: str = options["rp"]["id"]
        credential = AttestedCredentialData.create(
            Aaguid.NONE,
            self.credential_id,
            ES256.from_cryptography_key(self.private_key.public_key()),
        )
        authenticator_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(),
            AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT,
            0,
            credential,
        )
        client_data = CollectedClientData.create(
            type="webauthn.create", challenge=websafe_decode(options["challenge"]), origin=origin
        )
        attestation = AttestationObject.create("none", authenticator_data, {})
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(bytes(client_data)),
                "attestationObject": websafe_encode(bytes(attestation)),
            },
            "clientExtensionResults": {},
        }


def add_security_key(browser: Client, name: str = "Office key") -> SoftwareKey:
    """Add a security key through the site's page, as ``browser``'s person (whose session has
    just confirmed the password, as the page asks)."""
    page = browser.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200, page.status_code  # noqa: S101  (a test precondition)
    key = SoftwareKey()
    response = key.register(page.context["js_data"]["creation_options"], "http://testserver")
    done = browser.post(
        reverse("mfa_add_webauthn"), {"name": name, "credential": json.dumps(response)}
    )
    assert done.status_code == 302, done.content.decode()[:2000]  # noqa: S101
    return key

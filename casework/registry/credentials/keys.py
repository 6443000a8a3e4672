"""The issuer's Ed25519 signing keys: made, rotated, sealed at rest and opened to sign.

Private keys are sealed by the vault (the system data key "signing-keys"); the key id is bound
to the ciphertext as associated data, so a sealed key cannot be moved to another row. Rotating
makes a new key active and retires the old one, which stays published in the DID document so
that what it signed still verifies.
"""

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.db import transaction
from django.utils import timezone

from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.credentials.models import SigningKey
from casework.vault import legacy, sealed_text


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _seal(raw_private_key: bytes, kid: str) -> str:
    return sealed_text.seal_text(
        raw_private_key, purpose="signing-keys", context=f"registry.signingkey:{kid}"
    )


def _open(sealed: str, kid: str) -> bytes:
    """Open a private key sealed by the vault ("v2:") or, before the vault existed, "v1:"."""
    if legacy.is_legacy(sealed):
        return legacy.open_legacy(
            sealed,
            info=b"casework credential signing keys",
            aad=kid.encode(),
            context=f"registry.signingkey:{kid}",
        )
    return sealed_text.open_text(sealed, context=f"registry.signingkey:{kid}")


def jwk_thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members (crv, kty, x for OKP) in lexical order."""
    required = {name: public_jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def create_signing_key(*, active: bool = False) -> SigningKey:
    """Generate an Ed25519 key pair and store it, the private half sealed."""
    private = Ed25519PrivateKey.generate()
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw_public)}
    kid = jwk_thumbprint(jwk)
    with transaction.atomic():
        key = SigningKey.objects.create(
            kid=kid,
            public_jwk={**jwk, "kid": kid},
            private_key_encrypted=_seal(raw_private, kid),
            active=active,
        )
        record_event(action=actions.REGISTRY_SIGNING_KEY_CREATED, target=key, detail={"kid": kid})
    return key


def rotate_signing_key(*, actor: Any = None) -> SigningKey:
    """Make a new key the active one; the old one is retired but stays published.
    The status lists are signed again with the new key."""
    from casework.registry.credentials.status_list import publish_all_status_lists

    with transaction.atomic():
        old = list(SigningKey.objects.select_for_update().filter(active=True))
        for key in old:
            key.active, key.retired_at = False, timezone.now()
            key.save(update_fields=["active", "retired_at"])
        new = create_signing_key(active=True)
        record_event(
            action=actions.REGISTRY_SIGNING_KEY_ROTATED,
            actor=actor,
            target=new,
            detail={"kid": new.kid, "retired": [key.kid for key in old]},
        )
        publish_all_status_lists()
    return new


def active_signing_key() -> SigningKey:
    """The key that signs new credentials; the first one is made when none exists yet."""
    key = SigningKey.objects.filter(active=True).first()
    if key is not None:
        return key
    with transaction.atomic():
        # Serialise the first creation; a concurrent creator fails on the unique constraint.
        key = SigningKey.objects.select_for_update().filter(active=True).first()
        return key or create_signing_key(active=True)


def load_private_key(key: SigningKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_open(key.private_key_encrypted, key.kid))

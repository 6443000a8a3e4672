"""JWS compact serialization (RFC 7515) with EdDSA over Ed25519 (RFC 8037): the one securing
mechanism our credentials and status lists use.

Written on ``cryptography`` directly: the JOSE layer is small, and owning it lets the verifier
refuse anything but EdDSA before it looks at a key.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from casework.registry.credentials.keys import b64url

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class MalformedToken(ValueError):
    """Not a JWS in compact serialization with JSON object header and payload."""


@dataclass(frozen=True)
class CompactJWS:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def _json_bytes(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_compact(
    *, header: dict[str, Any], payload: dict[str, Any], private_key: Ed25519PrivateKey
) -> str:
    signing_input = f"{b64url(_json_bytes(header))}.{b64url(_json_bytes(payload))}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def b64url_decode(part: str) -> bytes:
    """Strict base64url without padding, as RFC 7515 section 2 defines it."""
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise MalformedToken("not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as error:
        raise MalformedToken("not base64url") from error


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # RFC 7515 section 4: a header with duplicate names must be rejected (or read as its last);
    # we reject, in header and payload alike.
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise MalformedToken(f"duplicate member {name!r}")
        result[name] = value
    return result


def _json_object(part: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(part).decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedToken("not JSON") from error
    if not isinstance(value, dict):
        raise MalformedToken("not a JSON object")
    return value


def parse_compact(token: str) -> CompactJWS:
    parts = token.strip().split(".")
    # The signature may be empty here (an unsecured JWS, "alg": "none"): the verifier refuses
    # it by its algorithm, which says more than "malformed".
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise MalformedToken("a compact JWS has three parts")
    header, payload = _json_object(parts[0]), _json_object(parts[1])
    return CompactJWS(
        header=header,
        payload=payload,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=b64url_decode(parts[2]),
    )


def public_key_from_jwk(jwk: Any) -> Ed25519PublicKey | None:
    """The Ed25519 key of an OKP JWK (RFC 8037), or None when it is anything else."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        return None
    if "d" in jwk:
        return None  # a private key has no place in a DID document
    try:
        raw = b64url_decode(str(jwk.get("x", "")))
    except MalformedToken:
        return None
    if len(raw) != 32:
        return None
    return Ed25519PublicKey.from_public_bytes(raw)


def signature_matches(jws: CompactJWS, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(jws.signature, jws.signing_input)
    except InvalidSignature:
        return False
    return True

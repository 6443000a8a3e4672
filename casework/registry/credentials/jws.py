"""JWS compact serialization (RFC 7515) with EdDSA over Ed25519 (RFC 8037): the one securing
mechanism our credentials and status lists use.

Written on the cryptography libraries directly: the JOSE layer is small, and owning it lets the
verifier refuse anything but EdDSA before it looks at a key. Signing goes through
``cryptography`` (the keys are kept sealed in its formats); checking a signature goes through
libsodium (PyNaCl), which verifies Ed25519 1.5 to 2 times as fast as the OpenSSL bundled in the
``cryptography`` wheel on our machines (``python -m bench.verification`` prints both rates).
"""

import binascii
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from casework.registry.credentials.keys import b64url

_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


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
    # The standard alphabet's two characters and padding are refused here, everything else
    # outside the alphabet by strict mode (a pattern over the text cost more than decoding it).
    if len(part) % 4 == 1 or "+" in part or "/" in part or "=" in part:
        raise MalformedToken("not base64url")
    try:
        padded = (part + "=" * (-len(part) % 4)).encode("ascii")
        return binascii.a2b_base64(padded.translate(_FROM_URLSAFE), strict_mode=True)
    except (binascii.Error, ValueError) as error:  # ValueError: not ASCII
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


# One decoder for every token (json.loads with a hook builds a new one per call).
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)


def _json_object(part: str) -> dict[str, Any]:
    try:
        value = _DECODER.decode(b64url_decode(part).decode("utf-8"))
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


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key, ready to check signatures with."""

    raw: bytes
    verifier: VerifyKey


@lru_cache(maxsize=64)
def _public_key(x: str) -> PublicKey | None:
    # Kept per encoded key: a DID document names the same few keys for every credential.
    try:
        raw = b64url_decode(x)
    except MalformedToken:
        return None
    if len(raw) != 32:
        return None
    return PublicKey(raw=raw, verifier=VerifyKey(raw))


def public_key_from_jwk(jwk: Any) -> PublicKey | None:
    """The Ed25519 key of an OKP JWK (RFC 8037), or None when it is anything else."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        return None
    if "d" in jwk:
        return None  # a private key has no place in a DID document
    x = jwk.get("x", "")
    return _public_key(x if isinstance(x, str) else str(x))


def signature_matches(jws: CompactJWS, key: PublicKey) -> bool:
    try:
        key.verifier.verify(jws.signing_input, jws.signature)
    except (BadSignatureError, ValueError):  # ValueError: not 64 bytes long
        return False
    return True

"""Our credentials, checked by an independent reading of the specifications.

Nothing here uses the project's own verifier or JOSE code: base64url, the JWS signature check
(Ed25519 through ``cryptography``, from the JWK in the served DID document), the GZIP and
bitstring decoding are written again from the specifications, and what is checked is what
their text requires:

- VC Data Model 2.0: "@context" is an ordered set whose first item is
  https://www.w3.org/ns/credentials/v2, the others URLs or objects; "type" includes
  VerifiableCredential; validFrom / validUntil are dateTimeStamps.
- VC-JOSE-COSE: the payload is the credential; typ "vc+jwt", cty "vc"; kid present as a DID
  URL; iss, when present, equals issuer; no "vc"/"vp" claims; the verification method's type is
  JsonWebKey with publicKeyJwk; the media type is application/vc+jwt.
- did:web: the method-specific identifier is the host, with the port's colon percent-encoded.
- Bitstring Status List v1.0: BitstringStatusListEntry fields (statusListIndex a base-10 string,
  an entry id that is not the list's URL); the list credential's types; encodedList is "u" +
  base64url without padding of the GZIP-compressed bitstring; at least 16KB uncompressed; index
  0 is the left-most bit.
"""

import base64
import gzip
import json
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.test import Client
from django.utils import timezone

from casework.registry.credentials.models import IssuedCredential
from casework.registry.credentials.service import (
    revoke_credentials_for_claim,
    sync_credential_status,
)
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.registry.reference_data import load_reference_data
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.django_db

VC_V2 = "https://www.w3.org/ns/credentials/v2"
MIN_BITS = 16 * 1024 * 8  # "at least 16KB in size"
# XML Schema 1.1 dateTimeStamp: a dateTime whose time zone is required.
DATE_TIME_STAMP = re.compile(
    r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"[0-5][0-9](\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def base64url_decode(text: str) -> bytes:
    """RFC 4648 section 5, without padding (RFC 7515 section 2)."""
    assert BASE64URL.fullmatch(text), "base64url uses A-Z a-z 0-9 - _ and no padding"
    assert len(text) % 4 != 1
    standard = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)


def decode_jws(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(base64url_decode(header_part))
    payload = json.loads(base64url_decode(payload_part))
    signing_input = f"{header_part}.{payload_part}".encode("ascii")
    return header, payload, signing_input, base64url_decode(signature_part)


def expected_did() -> str:
    site = urlsplit(settings.SITE_URL)
    host = site.hostname or ""
    return f"did:web:{host}%3A{site.port}" if site.port else f"did:web:{host}"


def verify_against_did_document(client: Client, token: str) -> dict[str, Any]:
    """RFC 7515 section 5.2 with the key VC-JOSE-COSE section 4 points to; returns the
    payload."""
    header, payload, signing_input, signature = decode_jws(token)
    assert header["alg"] == "EdDSA"
    response = client.get("/.well-known/did.json")
    assert response["Content-Type"] == "application/did+json"
    document = json.loads(response.content)
    assert payload["issuer"] == document["id"] == expected_did()
    assert header["kid"].startswith(f"{document['id']}#")
    method = next(m for m in document["verificationMethod"] if m["id"] == header["kid"])
    assert method["type"] == "JsonWebKey"
    assert method["controller"] == document["id"]
    assert header["kid"] in document["assertionMethod"]
    jwk = method["publicKeyJwk"]
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    assert "d" not in jwk
    public_key = Ed25519PublicKey.from_public_bytes(base64url_decode(jwk["x"]))
    try:
        public_key.verify(signature, signing_input)
    except InvalidSignature:  # pragma: no cover - the assertion below says what failed
        pytest.fail("The Ed25519 signature does not verify with the published key.")
    return payload


def expand(encoded_list: str) -> bytes:
    assert encoded_list.startswith("u"), "multibase prefix for base64url without padding"
    compressed = base64url_decode(encoded_list[1:])
    assert compressed[:2] == b"\x1f\x8b", "a GZIP member (RFC 1952)"
    return gzip.decompress(compressed)


def bit(bitstring: bytes, index: int) -> int:
    """Index 0 is the left-most bit: the most significant bit of the first byte."""
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


def fetch_status_list(client: Client, url: str, purpose: str) -> bytes:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()
    header, *_rest = decode_jws(token)
    assert header["typ"] == "vc+jwt"
    listed = verify_against_did_document(client, token)
    assert listed["@context"][0] == VC_V2
    assert "VerifiableCredential" in listed["type"]
    assert "BitstringStatusListCredential" in listed["type"]
    assert listed["id"] == url
    subject = listed["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == purpose
    max_age = re.search(r"max-age=(\d+)", response["Cache-Control"])
    assert max_age is not None
    assert subject["ttl"] == int(max_age.group(1)) * 1000, "ttl aligned with Cache-Control"
    bitstring = expand(subject["encodedList"])
    assert len(bitstring) * 8 >= MIN_BITS
    return bitstring


@pytest.fixture
def claim(db: None) -> RegistrationClaim:
    load_reference_data()
    entry = RegisterEntry.objects.create(
        regulator=Regulator.objects.get(slug="social-work-england"),
        registration_number="SW445566",
        name="Jonas Berg",
        status="registered",
    )
    return RegistrationClaim.objects.create(
        practitioner=PractitionerFactory.create(legal_name="Jonas Berg"),
        regulator_id=entry.regulator_id,
        registration_number=entry.registration_number,
        entry=entry,
        state=RegistrationClaim.State.VERIFIED,
        decided_at=timezone.now(),
    )


def test_the_jose_header_is_as_vc_jose_cose_says(credential: IssuedCredential) -> None:
    header, payload, *_ = decode_jws(credential.jwt)
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "vc+jwt"
    assert header["cty"] == "vc"
    assert header["kid"].startswith(payload["issuer"] + "#")


def test_the_signature_verifies_with_the_published_key(
    client: Client, credential: IssuedCredential
) -> None:
    verify_against_did_document(client, credential.jwt)


def test_the_payload_is_a_vc_data_model_2_credential(credential: IssuedCredential) -> None:
    _header, payload, *_ = decode_jws(credential.jwt)
    context = payload["@context"]
    assert isinstance(context, list)
    assert context[0] == VC_V2
    assert all(isinstance(item, str | dict) for item in context[1:])
    assert payload["type"][0] == "VerifiableCredential"
    assert "SocialWorkRegistrationCredential" in payload["type"]
    for term in ("SocialWorkRegistrationCredential", "registrationNumber", "regulator"):
        assert any(isinstance(item, dict) and term in item for item in context[1:])
    assert "vc" not in payload
    assert "vp" not in payload
    assert payload["iss"] == payload["issuer"]
    assert isinstance(payload["iat"], int)
    assert "nbf" not in payload
    assert uuid.UUID(payload["id"].removeprefix("urn:uuid:"))
    assert DATE_TIME_STAMP.fullmatch(payload["validFrom"])
    assert DATE_TIME_STAMP.fullmatch(payload["validUntil"])
    assert payload["validFrom"] < payload["validUntil"]  # both in UTC ("Z")
    subject = payload["credentialSubject"]
    assert uuid.UUID(subject["id"].removeprefix("urn:uuid:"))
    assert subject["name"] == "Jonas Berg"
    assert subject["registrationNumber"] == "SW445566"
    assert subject["registrationStatus"] == "registered"
    assert subject["regulator"]["name"] == "Social Work England"
    assert urlsplit(subject["regulator"]["id"]).scheme == "https"
    assert subject["jurisdiction"] == "GB-ENG"


def test_the_issuer_is_a_did_web_with_the_port_percent_encoded(
    credential: IssuedCredential,
) -> None:
    _header, payload, *_ = decode_jws(credential.jwt)
    assert payload["issuer"] == expected_did()
    assert ":" not in payload["issuer"].removeprefix("did:web:")


def test_the_did_document_follows_did_core(client: Client, credential: IssuedCredential) -> None:
    document = json.loads(client.get("/.well-known/did.json").content)
    assert document["@context"]
    assert document["id"].startswith("did:web:")
    for method in document["verificationMethod"]:
        assert method["id"].startswith(document["id"] + "#")
        assert method["publicKeyJwk"]["kid"] == method["id"].split("#", 1)[1]
    assert set(document["authentication"]) <= {m["id"] for m in document["verificationMethod"]}


def test_the_status_entries_follow_the_bitstring_status_list_spec(
    client: Client, credential: IssuedCredential
) -> None:
    _header, payload, *_ = decode_jws(credential.jwt)
    entries = payload["credentialStatus"]
    assert isinstance(entries, list)
    assert sorted(entry["statusPurpose"] for entry in entries) == ["revocation", "suspension"]
    for entry in entries:
        assert entry["type"] == "BitstringStatusListEntry"
        assert re.fullmatch(r"0|[1-9][0-9]*", entry["statusListIndex"])
        assert entry["statusListCredential"].startswith(settings.SITE_URL)
        assert entry["id"] != entry["statusListCredential"]
        bitstring = fetch_status_list(client, entry["statusListCredential"], entry["statusPurpose"])
        assert bit(bitstring, int(entry["statusListIndex"])) == 0


def test_revocation_sets_the_left_most_bit_ordering(
    client: Client, claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    revoke_credentials_for_claim(claim=claim)
    _header, payload, *_ = decode_jws(credential.jwt)
    entries = {entry["statusPurpose"]: entry for entry in payload["credentialStatus"]}
    index = int(entries["revocation"]["statusListIndex"])
    revocation = fetch_status_list(
        client, entries["revocation"]["statusListCredential"], "revocation"
    )
    assert bit(revocation, index) == 1
    # Exactly one bit is set, where the left-most-bit rule puts it: a list written least
    # significant bit first would have set another bit of the byte.
    assert sum(bin(byte).count("1") for byte in revocation) == 1
    suspension = fetch_status_list(
        client, entries["suspension"]["statusListCredential"], "suspension"
    )
    assert bit(suspension, index) == 0


def test_suspension_sets_and_clears_its_own_bit(
    client: Client, claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    _header, payload, *_ = decode_jws(credential.jwt)
    entry = next(e for e in payload["credentialStatus"] if e["statusPurpose"] == "suspension")
    index = int(entry["statusListIndex"])
    RegisterEntry.objects.filter(claims=claim).update(status="suspended")
    sync_credential_status(claim=claim)
    assert bit(fetch_status_list(client, entry["statusListCredential"], "suspension"), index) == 1
    RegisterEntry.objects.filter(claims=claim).update(status="registered")
    sync_credential_status(claim=claim)
    assert bit(fetch_status_list(client, entry["statusListCredential"], "suspension"), index) == 0

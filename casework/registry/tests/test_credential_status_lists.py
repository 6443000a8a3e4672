"""Status lists checked once and kept: a kept list is only ever used for the very token it was
checked from, a new version of a list is checked anew, and revocation and suspension show at
once."""

import base64
import binascii
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from casework.registry.credentials import did, jws
from casework.registry.credentials.models import IssuedCredential
from casework.registry.credentials.service import (
    issue_credential_for_claim,
    revoke_credentials_for_claim,
)
from casework.registry.credentials.status_list import (
    bit_is_set,
    decode_encoded_list,
    encode_bits,
    status_list_url,
    with_bit,
)
from casework.registry.credentials.verification import (
    _checked_list,
    _CheckedList,
    _CheckedLists,
    _Refused,
    checked_status_lists,
    verify_credential_jwt,
)
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.testing.credentials import set_register_status
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nothing_kept() -> Iterator[None]:
    checked_status_lists.clear()
    yield
    checked_status_lists.clear()


def _claim(england: Regulator, number: str) -> RegistrationClaim:
    entry = RegisterEntry.objects.create(
        regulator=england,
        registration_number=number,
        name="Amara Okafor",
        status="registered",
        valid_until=timezone.now().date() + timedelta(days=200),
    )
    return RegistrationClaim.objects.create(
        practitioner=PractitionerFactory.create(legal_name="Amara Okafor"),
        regulator=england,
        registration_number=number,
        entry=entry,
        state=RegistrationClaim.State.VERIFIED,
        decided_at=timezone.now(),
    )


@pytest.fixture
def claim(england: Regulator) -> RegistrationClaim:
    return _claim(england, "SW998877")


def published(credential: IssuedCredential) -> dict[str, str]:
    """The credential's two lists as published now, by address (what an offline verifier
    is given)."""
    lists = {}
    for status_list in (credential.revocation_list, credential.suspension_list):
        status_list.refresh_from_db()
        lists[status_list_url(status_list)] = status_list.signed_jwt
    return lists


def codes(token: str, **options: Any) -> list[str]:
    return verify_credential_jwt(token, did_document=did.build_did_document(), **options).codes


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def with_own_bit_set(list_token: str, index: int) -> str:
    """The list with the credential's bit set, its payload changed under the old signature."""
    header_part, _payload_part, signature = list_token.split(".")
    payload = jws.parse_compact(list_token).payload
    bits = decode_encoded_list(payload["credentialSubject"]["encodedList"])
    payload["credentialSubject"]["encodedList"] = encode_bits(with_bit(bits, index, True))
    return f"{header_part}.{_b64url(json.dumps(payload).encode())}.{signature}"


def test_a_tampered_list_is_refused_after_the_genuine_one_was_kept(
    credential: IssuedCredential,
) -> None:
    genuine = published(credential)
    assert codes(credential.jwt, status_lists=genuine) == []
    revocation_url = status_list_url(credential.revocation_list)
    assert checked_status_lists.get(revocation_url, genuine[revocation_url]) is not None

    tampered = with_own_bit_set(genuine[revocation_url], credential.status_list_index)
    assert codes(credential.jwt, status_lists={**genuine, revocation_url: tampered}) == [
        "status_invalid"
    ]
    # The same list signed by a stranger's key, published under the issuer's key id.
    parsed = jws.parse_compact(genuine[revocation_url])
    foreign = jws.sign_compact(
        header=parsed.header, payload=parsed.payload, private_key=Ed25519PrivateKey.generate()
    )
    assert codes(credential.jwt, status_lists={**genuine, revocation_url: foreign}) == [
        "status_invalid"
    ]
    # Neither took the genuine list's place, nor was it given credit for them.
    assert checked_status_lists.get(revocation_url, tampered) is None
    assert checked_status_lists.get(revocation_url, foreign) is None
    assert codes(credential.jwt, status_lists=genuine) == []


def test_a_kept_list_is_not_vouched_for_by_another_did_document(
    credential: IssuedCredential,
) -> None:
    genuine = published(credential)
    assert codes(credential.jwt, status_lists=genuine) == []
    revocation_url = status_list_url(credential.revocation_list)
    token = genuine[revocation_url]
    assert checked_status_lists.get(revocation_url, token) is not None
    # A document naming another key under the same key id, then one of another issuer.
    stranger = did.build_did_document()
    key = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    stranger["verificationMethod"][0]["publicKeyJwk"]["x"] = _b64url(key)
    with pytest.raises(_Refused, match="bad_signature"):
        _checked_list(revocation_url, token, stranger, {})
    other_issuer = {**did.build_did_document(), "id": "did:web:elsewhere.example"}
    with pytest.raises(_Refused, match="unknown_issuer"):
        _checked_list(revocation_url, token, other_issuer, {})
    assert _checked_list(revocation_url, token, did.build_did_document(), {}).token == token


def test_revocation_and_suspension_show_at_once_with_kept_lists(
    claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    assert codes(credential.jwt) == []  # this site's own lists, now kept
    assert codes(credential.jwt, status_lists=published(credential)) == []

    set_register_status(claim, "suspended")
    assert codes(credential.jwt) == ["suspended"]
    assert codes(credential.jwt, status_lists=published(credential)) == ["suspended"]

    set_register_status(claim, "registered")
    assert codes(credential.jwt) == []
    assert codes(credential.jwt, status_lists=published(credential)) == []

    revoke_credentials_for_claim(claim=claim)
    assert codes(credential.jwt) == ["revoked"]
    assert codes(credential.jwt, status_lists=published(credential)) == ["revoked"]


def test_one_set_of_lists_serves_credentials_revoked_and_not(
    england: Regulator, claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    other_claim = _claim(england, "SW112233")
    other = issue_credential_for_claim(claim=other_claim)
    assert other is not None
    assert other.revocation_list_id == credential.revocation_list_id
    revoke_credentials_for_claim(claim=claim)
    lists = published(credential)
    assert codes(credential.jwt, status_lists=lists) == ["revoked"]
    assert codes(other.jwt, status_lists=lists) == []


def test_a_new_version_of_a_list_takes_the_place_of_the_kept_one(
    claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    suspension_url = status_list_url(credential.suspension_list)
    before = published(credential)[suspension_url]
    assert codes(credential.jwt) == []
    assert checked_status_lists.get(suspension_url, before) is not None

    set_register_status(claim, "suspended")
    after = published(credential)[suspension_url]
    assert after != before
    assert codes(credential.jwt) == ["suspended"]
    kept = checked_status_lists.get(suspension_url, after)
    assert kept is not None
    assert bit_is_set(kept.bits, credential.status_list_index)
    assert checked_status_lists.get(suspension_url, before) is None


def test_own_lists_cost_one_query_and_given_lists_none(
    credential: IssuedCredential, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    document = did.build_did_document()
    lists = published(credential)
    # Both of the credential's lists, read together.
    with django_assert_num_queries(1):
        assert verify_credential_jwt(credential.jwt, did_document=document).ok
    with django_assert_num_queries(0):
        assert verify_credential_jwt(credential.jwt, did_document=document, status_lists=lists).ok


def test_a_signature_of_the_wrong_length_is_a_bad_signature(
    credential: IssuedCredential,
) -> None:
    signing_input, _signature = credential.jwt.rsplit(".", 1)
    assert codes(f"{signing_input}.{_b64url(b'x' * 63)}") == ["bad_signature"]
    assert codes(f"{signing_input}.") == ["bad_signature"]


def _kept(token: str, size: int) -> _CheckedList:
    return _CheckedList(
        token=token,
        key=b"k" * 32,
        parsed=jws.CompactJWS(header={}, payload={}, signing_input=b"", signature=b""),
        purposes=("revocation",),
        valid_from=None,
        valid_until=None,
        bits=bytes(size),
    )


def test_kept_lists_are_bounded_in_number_and_bytes() -> None:
    kept = _CheckedLists(max_lists=2, max_bytes=100)
    kept.keep("a", _kept("a1", 10))
    kept.keep("b", _kept("b1", 10))
    kept.keep("c", _kept("c1", 10))
    assert kept.get("a", "a1") is None  # the one kept longest made room
    assert kept.get("b", "b1") is not None
    kept.keep("d", _kept("d1", 95))
    assert kept.get("b", "b1") is None
    assert kept.get("c", "c1") is None
    assert kept.get("d", "d1") is not None
    kept.keep("e", _kept("e1", 101))  # larger than the whole allowance: checked, not kept
    assert kept.get("e", "e1") is None
    assert kept.get("d", "d1") is not None


def _reference_b64url_decode(part: str) -> bytes | None:
    """The decoder as it was written first (a pattern, then the standard library)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", part) or len(part) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


@given(
    st.text(alphabet="ABCxyz019-_+/= \n.é", max_size=24)
    | st.binary(max_size=18).map(lambda data: _b64url(data))
)
def test_base64url_decoding_accepts_and_refuses_as_before(part: str) -> None:
    try:
        decoded: bytes | None = jws.b64url_decode(part)
    except jws.MalformedToken:
        decoded = None
    assert decoded == _reference_b64url_decode(part)

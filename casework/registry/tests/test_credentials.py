"""Registration credentials: issued, verified, revoked, suspended, rotated, served."""

import base64
import hashlib
import hmac
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from casework.privacy.models import AuditEvent
from casework.registry.credentials import did, jws
from casework.registry.credentials.issuance import jose_header
from casework.registry.credentials.keys import (
    active_signing_key,
    load_private_key,
    rotate_signing_key,
)
from casework.registry.credentials.models import IssuedCredential, SigningKey, StatusList
from casework.registry.credentials.service import (
    issue_credential_for_claim,
    revoke_credentials_for_claim,
    sync_credential_status,
)
from casework.registry.credentials.verification import PROBLEMS, verify_credential_jwt
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.testing.credentials import set_register_status
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.django_db


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value).encode())


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    parsed = jws.parse_compact(token)
    return parsed.header, parsed.payload


@pytest.fixture
def entry(england: Regulator) -> RegisterEntry:
    return RegisterEntry.objects.create(
        regulator=england,
        registration_number="SW998877",
        name="Amara Okafor",
        status="registered",
        valid_until=timezone.now().date() + timedelta(days=200),
    )


@pytest.fixture
def claim(entry: RegisterEntry) -> RegistrationClaim:
    return RegistrationClaim.objects.create(
        practitioner=PractitionerFactory.create(legal_name="Amara Okafor"),
        regulator=entry.regulator,
        registration_number=entry.registration_number,
        entry=entry,
        state=RegistrationClaim.State.VERIFIED,
        decided_at=timezone.now(),
    )


def codes(token: str, **options: Any) -> list[str]:
    return verify_credential_jwt(token, **options).codes


# Issuing and verifying


def test_an_issued_credential_verifies(credential: IssuedCredential) -> None:
    result = verify_credential_jwt(credential.jwt)
    assert result.ok, result.problems
    assert result.summary is not None
    assert result.summary.registration_number == "SW998877"
    assert result.summary.name == "Amara Okafor"
    assert result.summary.regulator_name == "Social Work England"
    assert result.summary.registration_status == "registered"
    assert AuditEvent.objects.filter(action="registry.credential_issued").count() == 1


def test_it_is_valid_until_the_end_of_the_registration(
    credential: IssuedCredential, entry: RegisterEntry
) -> None:
    _header, payload = parts(credential.jwt)
    assert entry.valid_until is not None
    assert payload["validUntil"] == f"{entry.valid_until.isoformat()}T23:59:59Z"


def test_without_an_end_date_it_is_valid_for_a_year(claim: RegistrationClaim) -> None:
    RegisterEntry.objects.filter(claims=claim).update(valid_until=None)
    claim.refresh_from_db()
    issued = issue_credential_for_claim(claim=claim)
    assert issued is not None
    assert (issued.valid_until - issued.issued_at).days == 365


def test_no_credential_is_issued_while_the_registration_is_suspended(
    claim: RegistrationClaim,
) -> None:
    RegisterEntry.objects.filter(claims=claim).update(status="suspended")
    claim.refresh_from_db()
    assert issue_credential_for_claim(claim=claim) is None
    assert not IssuedCredential.objects.exists()


def test_an_altered_payload_no_longer_matches_the_signature(
    credential: IssuedCredential,
) -> None:
    header, payload = credential.jwt.split(".")[:2]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["registrationNumber"] = "SW000001"
    forged = f"{header}.{encode(claims)}.{credential.jwt.split('.')[2]}"
    assert codes(forged) == ["bad_signature"]


@pytest.mark.parametrize("alg", ["HS256", "none", "ES256", "RS256"])
def test_tokens_signed_another_way_are_refused(credential: IssuedCredential, alg: str) -> None:
    header, payload = parts(credential.jwt)
    forged_header = encode({**header, "alg": alg})
    signing_input = f"{forged_header}.{encode(payload)}"
    if alg == "HS256":
        # The classic confusion: the public key used as an HMAC secret.
        secret = active_signing_key().public_jwk["x"].encode()
        signature = b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
    elif alg == "none":
        signature = ""
    else:
        signature = credential.jwt.split(".")[2]
    result = verify_credential_jwt(f"{signing_input}.{signature}")
    assert result.codes == ["wrong_alg"]
    assert result.summary is None


@pytest.mark.parametrize(
    "token", ["", "not a credential", "a.b", "e30.e30.e30.e30", "!!!.???.***", "W10.W10.AA"]
)
def test_text_that_is_no_token_is_called_unreadable(token: str) -> None:
    assert codes(token) == ["malformed"]


def test_a_signed_token_that_is_no_credential_is_said_to_be_so(
    credential: IssuedCredential,
) -> None:
    header, payload = parts(credential.jwt)
    key = load_private_key(active_signing_key())
    wrapped = {"iss": payload["issuer"], "vc": payload}  # the VC 1.1 JWT shape
    token = jws.sign_compact(header=header, payload=wrapped, private_key=key)
    assert codes(token) == ["not_a_credential"]


def test_an_expired_credential_is_refused(credential: IssuedCredential) -> None:
    with time_machine.travel(credential.valid_until + timedelta(seconds=1), tick=False):
        assert codes(credential.jwt) == ["expired"]


def test_a_credential_is_refused_before_it_is_valid(credential: IssuedCredential) -> None:
    with time_machine.travel(credential.issued_at - timedelta(minutes=5), tick=False):
        assert codes(credential.jwt) == ["not_yet_valid"]


def test_a_credential_from_another_issuer_is_refused(credential: IssuedCredential) -> None:
    header, payload = parts(credential.jwt)
    stranger = Ed25519PrivateKey.generate()
    forged = jws.sign_compact(
        header={**header, "kid": "did:web:impostor.example#key-1"},
        payload={
            **payload,
            "issuer": "did:web:impostor.example",
            "iss": "did:web:impostor.example",
        },
        private_key=stranger,
    )
    assert codes(forged) == ["unknown_issuer"]


def test_a_did_document_of_another_issuer_does_not_vouch_for_ours(
    credential: IssuedCredential,
) -> None:
    document = {**did.build_did_document(), "id": "did:web:elsewhere.example"}
    assert codes(credential.jwt, did_document=document) == ["unknown_issuer"]


def test_a_key_we_never_published_is_refused(credential: IssuedCredential) -> None:
    header, payload = parts(credential.jwt)
    stranger = Ed25519PrivateKey.generate()
    forged = jws.sign_compact(
        header={**header, "kid": f"{did.issuer_did()}#not-our-key"},
        payload=payload,
        private_key=stranger,
    )
    assert codes(forged) == ["unknown_kid"]


def test_our_key_id_with_a_strangers_signature_is_a_bad_signature(
    credential: IssuedCredential,
) -> None:
    header, payload = parts(credential.jwt)
    forged = jws.sign_compact(
        header=header, payload=payload, private_key=Ed25519PrivateKey.generate()
    )
    assert codes(forged) == ["bad_signature"]


# Revocation and suspension


def test_a_revoked_credential_is_refused_for_good(
    claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    assert revoke_credentials_for_claim(claim=claim, reason="claim withdrawn") == 1
    assert codes(credential.jwt) == ["revoked"]
    set_register_status(claim, "registered")
    credential.refresh_from_db()
    assert credential.revoked
    assert "revoked" in codes(credential.jwt)
    event = AuditEvent.objects.get(action="registry.credential_revoked")
    assert event.detail["reason"] == "claim withdrawn"


def test_suspension_follows_the_register_and_is_lifted_with_it(
    claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    set_register_status(claim, "suspended")
    assert codes(credential.jwt) == ["suspended"]
    set_register_status(claim, "registered")
    assert codes(credential.jwt) == []
    set_register_status(claim, "lapsed")
    assert codes(credential.jwt) == ["suspended"]
    actions = list(
        AuditEvent.objects.filter(action__startswith="registry.credential_")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "registry.credential_issued",
        "registry.credential_suspended",
        "registry.credential_reinstated",
        "registry.credential_suspended",
    ]


def test_removal_from_the_register_revokes_and_a_return_brings_a_new_credential(
    claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    set_register_status(claim, "removed")
    assert codes(credential.jwt) == ["revoked"]
    set_register_status(claim, "registered")
    assert codes(credential.jwt) == ["revoked"]
    newer = IssuedCredential.objects.get(claim=claim, revoked=False)
    assert codes(newer.jwt) == []


def test_new_conditions_replace_the_credential(
    claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    set_register_status(claim, "conditions")
    credential.refresh_from_db()
    assert credential.revoked
    newer = IssuedCredential.objects.get(claim=claim, revoked=False)
    assert parts(newer.jwt)[1]["credentialSubject"]["registrationStatus"] == "conditions"
    assert newer.subject_uuid == credential.subject_uuid
    assert codes(newer.jwt) == []


def test_a_revoked_credential_cannot_be_unrevoked(credential: IssuedCredential) -> None:
    revoke_credentials_for_claim(claim=credential.claim)
    credential.refresh_from_db()
    credential.revoked, credential.revoked_at = False, None
    with pytest.raises(ValueError, match="stays revoked"):
        credential.save()
    with transaction.atomic(), pytest.raises(IntegrityError):
        IssuedCredential.objects.filter(pk=credential.pk).update(revoked=False)


def test_credentials_share_one_random_index_across_their_two_lists(
    claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    _header, payload = parts(credential.jwt)
    entries = payload["credentialStatus"]
    assert {e["statusPurpose"] for e in entries} == {"revocation", "suspension"}
    assert {e["statusListIndex"] for e in entries} == {str(credential.status_list_index)}
    lists = StatusList.objects.filter(series=credential.revocation_list.series)
    assert {status_list.allocated for status_list in lists} == {1}


def test_an_unreachable_or_foreign_status_list_is_reported(
    credential: IssuedCredential,
) -> None:
    assert codes(credential.jwt, status_lists={}) == ["status_unreachable"]
    header, payload = parts(credential.revocation_list.signed_jwt)
    foreign = jws.sign_compact(
        header=header, payload=payload, private_key=Ed25519PrivateKey.generate()
    )
    lists = {
        payload["id"]: foreign,
        parts(credential.suspension_list.signed_jwt)[1]["id"]: (
            credential.suspension_list.signed_jwt
        ),
    }
    assert codes(credential.jwt, status_lists=lists) == ["status_invalid"]


def test_a_status_list_of_the_wrong_purpose_is_invalid(credential: IssuedCredential) -> None:
    revocation_url = parts(credential.revocation_list.signed_jwt)[1]["id"]
    suspension_url = parts(credential.suspension_list.signed_jwt)[1]["id"]
    swapped = {
        revocation_url: credential.suspension_list.signed_jwt,
        suspension_url: credential.revocation_list.signed_jwt,
    }
    assert codes(credential.jwt, status_lists=swapped) == ["status_invalid"]


# Keys


def test_rotation_keeps_old_credentials_valid_and_signs_new_ones_with_the_new_key(
    claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    old_kid = credential.kid
    new_key = rotate_signing_key()
    assert new_key.kid != old_kid
    assert SigningKey.objects.get(kid=old_kid).retired_at is not None
    assert list(SigningKey.objects.filter(active=True)) == [new_key]
    assert codes(credential.jwt) == []

    RegisterEntry.objects.filter(claims=claim).update(status="conditions")
    sync_credential_status(claim=claim)  # issues a replacement, with the new key
    newer = IssuedCredential.objects.get(claim=claim, revoked=False)
    assert newer.kid == new_key.kid
    assert parts(newer.jwt)[0]["kid"] == f"{did.issuer_did()}#{new_key.kid}"
    assert codes(newer.jwt) == []

    document = did.build_did_document()
    published = [method["publicKeyJwk"]["kid"] for method in document["verificationMethod"]]
    assert published == [old_kid, new_key.kid]
    assert document["authentication"] == [f"{did.issuer_did()}#{new_key.kid}"]
    # The status lists are signed again, with the new key.
    republished = StatusList.objects.get(pk=credential.revocation_list_id).signed_jwt
    assert parts(republished)[0]["kid"].endswith(f"#{new_key.kid}")


def test_private_keys_are_stored_sealed(credential: IssuedCredential) -> None:
    key = SigningKey.objects.get(kid=credential.kid)
    private = load_private_key(key)
    raw = private.private_bytes_raw()
    row = json.dumps(list(SigningKey.objects.filter(pk=key.pk).values_list()), default=str)
    for spelling in (b64url(raw), base64.b64encode(raw).decode(), raw.hex(), "PRIVATE KEY"):
        assert spelling not in row
    assert key.private_key_encrypted.startswith("v2:")
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert b64url(public) == key.public_jwk["x"]
    assert "d" not in key.public_jwk
    with override_settings(VAULT_KEY="another vault key"), pytest.raises(Exception):  # noqa: B017,PT011
        load_private_key(key)


def test_there_is_never_more_than_one_active_key(credential: IssuedCredential) -> None:
    key = SigningKey.objects.get(kid=credential.kid)
    with transaction.atomic(), pytest.raises(IntegrityError):
        SigningKey.objects.create(
            kid="second", public_jwk={}, private_key_encrypted="v1:x", active=True
        )
    assert key.active


def test_a_status_list_is_never_smaller_than_the_specification_allows(
    credential: IssuedCredential,
) -> None:
    with transaction.atomic(), pytest.raises(IntegrityError):
        StatusList.objects.filter(pk=credential.revocation_list_id).update(size=1024)


# The issuer's DID


@override_settings(SITE_URL="http://127.0.0.1:8000")
def test_the_did_percent_encodes_the_port() -> None:
    assert did.issuer_did() == "did:web:127.0.0.1%3A8000"


@override_settings(SITE_URL="https://casework.example")
def test_the_did_of_a_site_on_the_default_port_is_its_host() -> None:
    assert did.issuer_did() == "did:web:casework.example"


def test_the_did_document_is_served(
    client: Client, credential: IssuedCredential, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):  # the signing keys
        response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    assert document["id"] == did.issuer_did()
    method = document["verificationMethod"][0]
    assert method["type"] == "JsonWebKey"
    assert method["controller"] == document["id"]
    assert method["id"] == parts(credential.jwt)[0]["kid"]
    assert set(method["publicKeyJwk"]) == {"kty", "crv", "x", "kid"}
    assert document["assertionMethod"] == [method["id"]]
    assert client.post("/.well-known/did.json").status_code == 405


# The status lists


def test_a_status_list_is_served_with_caching_headers(
    client: Client, credential: IssuedCredential, django_assert_num_queries: Any
) -> None:
    url = reverse(
        "credentials:status_list", kwargs={"list_id": credential.revocation_list.public_id}
    )
    with django_assert_num_queries(1):  # the list
        response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    assert "max-age=300" in response["Cache-Control"]
    assert response.content.decode() == credential.revocation_list.signed_jwt
    etag = response["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    revoke_credentials_for_claim(claim=credential.claim)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_an_unknown_status_list_is_not_found(client: Client) -> None:
    assert client.get("/credentials/status/nothing-here/").status_code == 404
    assert client.post("/credentials/status/nothing-here/").status_code == 405


# The credential check page


def test_the_check_page_shows_the_form_and_loads_its_script_as_a_file(client: Client) -> None:
    response = client.get(reverse("credentials:verify"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<textarea name="credential"' in page
    assert "casework/js/verify-credential.js" in page
    assert 'id="credential-problem-messages"' in page
    for tag in page.split("<script")[1:]:
        # Every script is a file or JSON data: the CSP allows no inline code.
        assert ' src="' in tag.split(">")[0] or 'type="application/json"' in tag.split(">")[0]


def test_the_check_page_says_a_valid_credential_is_valid(
    client: Client, credential: IssuedCredential
) -> None:
    response = client.post(reverse("credentials:verify"), {"credential": credential.jwt})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Valid." in page
    assert "Amara Okafor" in page
    assert "SW998877" in page
    assert (
        reverse(
            "registry:verification",
            kwargs={"regulator": "social-work-england", "number": "SW998877"},
        )
        in page
    )


def test_the_check_page_lists_what_is_wrong(
    client: Client, claim: RegistrationClaim, credential: IssuedCredential
) -> None:
    set_register_status(claim, "suspended")
    response = client.post(reverse("credentials:verify"), {"credential": credential.jwt})
    page = response.content.decode()
    assert "Not valid." in page
    assert str(PROBLEMS["suspended"]) in page
    assert response.context["server_codes"] == ["suspended"]
    assert 'id="credential-server-codes"' in page
    garbage = client.post(reverse("credentials:verify"), {"credential": "hello"})
    assert str(PROBLEMS["malformed"]) in garbage.content.decode()


# Management commands


def test_rotate_signing_key_prints_the_new_key(credential: IssuedCredential) -> None:
    out = io.StringIO()
    call_command("rotate_signing_key", stdout=out)
    assert out.getvalue().strip() == SigningKey.objects.get(active=True).kid


def _offline_files(tmp_path: Path, credential: IssuedCredential) -> list[str]:
    (tmp_path / "credential.jwt").write_text(credential.jwt)
    (tmp_path / "did.json").write_text(json.dumps(did.build_did_document()))
    for status_list in (credential.revocation_list, credential.suspension_list):
        status_list.refresh_from_db()
        (tmp_path / f"{status_list.purpose}.jwt").write_text(status_list.signed_jwt)
    return [
        str(tmp_path / "credential.jwt"),
        "--did-document",
        str(tmp_path / "did.json"),
        "--status-list",
        str(tmp_path / "revocation.jwt"),
        "--status-list",
        str(tmp_path / "suspension.jwt"),
    ]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the offline verifier used the network")

    monkeypatch.setattr("urllib.request.urlopen", refuse)


def test_the_offline_verifier_accepts_a_valid_credential(
    tmp_path: Path, credential: IssuedCredential, no_network: None
) -> None:
    out = io.StringIO()
    call_command("verify_credential", *_offline_files(tmp_path, credential), stdout=out)
    assert "Valid." in out.getvalue()


def test_the_offline_verifier_refuses_a_revoked_credential(
    tmp_path: Path, claim: RegistrationClaim, credential: IssuedCredential, no_network: None
) -> None:
    revoke_credentials_for_claim(claim=claim)
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_credential", *_offline_files(tmp_path, credential), stderr=err)
    assert raised.value.returncode == 1
    assert str(PROBLEMS["revoked"]) in err.getvalue()


def test_the_offline_verifier_needs_the_lists_it_is_not_given(
    tmp_path: Path, credential: IssuedCredential, no_network: None
) -> None:
    arguments = _offline_files(tmp_path, credential)[:-2]  # without the suspension list
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_credential", *arguments, stderr=err)
    assert str(PROBLEMS["status_unreachable"]) in err.getvalue()


def test_the_header_follows_vc_jose_cose(credential: IssuedCredential) -> None:
    header, payload = parts(credential.jwt)
    assert header == jose_header(SigningKey.objects.get(kid=credential.kid))
    assert header["typ"] == "vc+jwt"
    assert header["cty"] == "vc"
    assert payload["iss"] == payload["issuer"]

"""A wallet receives the holder's credential through OpenID for Verifiable Credential Issuance
1.0 (Pre-Authorized Code Flow): the wallet is casework/testing/wallet.py, written from the
specification, not from the issuer's code."""

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry.credentials import jws
from casework.registry.credentials.models import CredentialOffer, IssuedCredential
from casework.registry.credentials.service import revoke_credentials_for_claim
from casework.registry.credentials.verification import verify_credential_jwt
from casework.registry.models import Regulator
from casework.testing.credentials import held_credential
from casework.testing.wallet import (
    PRE_AUTHORIZED_GRANT,
    DjangoTransport,
    HttpAnswer,
    Issuer,
    Wallet,
    well_known,
)

pytestmark = pytest.mark.django_db

SITE = "https://casework.example"
CONFIGURATION = "SocialWorkRegistrationCredential"
REQUEST = {"credential_configuration_id": CONFIGURATION}


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.SITE_URL = SITE


@pytest.fixture
def credential(practitioner: User, england: Regulator) -> IssuedCredential:
    return held_credential(practitioner, regulator=england, number="SW400001")


@pytest.fixture
def holder(practitioner: User) -> Client:
    client = Client()
    client.force_login(practitioner)
    return client


@pytest.fixture
def wallet() -> Wallet:
    return Wallet(DjangoTransport(Client(), SITE))


def make_offer(holder: Client, credential: IssuedCredential) -> str:
    """The offer link the holder's page shows, as a wallet reads it from the QR code."""
    response = holder.post(reverse("credentials:wallet_offer", args=[credential.claim_id]))
    assert response.status_code == 200
    offer_uri: str = response.context["offer_uri"]
    assert f'href="{offer_uri.replace("&", "&amp;")}"' in response.content.decode()
    return offer_uri


def downloaded(holder: Client, credential: IssuedCredential) -> str:
    return holder.get(reverse("credentials:download", args=[credential.claim_id])).content.decode()


def redeemed(wallet: Wallet, offer_uri: str) -> tuple[Issuer, str, str]:
    """Discovery and the token request; returns the issuer, the code and the access token."""
    offer = wallet.read_offer(offer_uri)
    issuer = wallet.discover(offer)
    token = wallet.access_token(wallet.request_token(issuer, offer.pre_authorized_code))
    return issuer, offer.pre_authorized_code, token


# OpenID4VCI 8.3.1.2 and RFC 6749 5.2: "MUST NOT include characters outside the set
# %x20-21 / %x23-5B / %x5D-7E" (printable ASCII without '"' and '\\').
ERROR_DESCRIPTION = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]+")


def error_of(answer: HttpAnswer) -> str:
    assert "no-store" in answer.header("Cache-Control")
    body = answer.json()
    assert ERROR_DESCRIPTION.fullmatch(body["error_description"]), body["error_description"]
    return str(body["error"])


# The whole flow


def test_a_wallet_redeems_the_offer_and_receives_the_credential_the_holder_downloads(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    received = wallet.receive(make_offer(holder, credential))
    assert received == [downloaded(holder, credential)]
    result = verify_credential_jwt(received[0])
    assert result.ok, result.codes
    assert result.summary is not None
    assert result.summary.registration_number == "SW400001"
    offer = CredentialOffer.objects.get()
    assert offer.redeemed_at is not None
    assert offer.delivered_at is not None
    assert offer.token_hash is not None
    assert len(offer.token_hash) == 64
    actions = set(
        AuditEvent.objects.filter(action__startswith="registry.credential_").values_list(
            "action", flat=True
        )
    )
    assert {
        "registry.credential_offered",
        "registry.credential_offer_redeemed",
        "registry.credential_delivered_to_wallet",
    } <= actions


def test_the_offer_follows_the_specification(holder: Client, credential: IssuedCredential) -> None:
    offer_uri = make_offer(holder, credential)
    assert offer_uri.startswith("openid-credential-offer://?credential_offer=")
    wallet = Wallet(DjangoTransport(Client(), SITE))
    offer = wallet.read_offer(offer_uri)
    assert offer.credential_issuer == SITE
    assert offer.credential_configuration_ids == [CONFIGURATION]


def test_the_issuer_metadata_describes_a_jwt_vc_json_credential(
    client: Client, credential: IssuedCredential
) -> None:
    response = client.get("/.well-known/openid-credential-issuer")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    metadata = response.json()
    assert metadata["credential_issuer"] == SITE
    assert metadata["credential_endpoint"] == f"{SITE}/credentials/oid4vci/credential"
    assert "authorization_servers" not in metadata  # the issuer is its own
    assert "nonce_endpoint" not in metadata  # no proofs, so no c_nonce
    configuration = metadata["credential_configurations_supported"][CONFIGURATION]
    assert configuration["format"] == "jwt_vc_json"
    assert configuration["credential_definition"] == {
        "type": ["VerifiableCredential", CONFIGURATION]
    }
    assert configuration["credential_signing_alg_values_supported"] == ["EdDSA"]
    assert "proof_types_supported" not in configuration
    assert "cryptographic_binding_methods_supported" not in configuration
    header = jws.parse_compact(credential.jwt).header
    assert header["alg"] in configuration["credential_signing_alg_values_supported"]
    payload = jws.parse_compact(credential.jwt).payload
    assert set(configuration["credential_definition"]["type"]) <= set(payload["type"])
    displays = configuration["credential_metadata"]["display"]
    assert {d["locale"] for d in displays} == {"en", "es"}
    for claim in configuration["credential_metadata"]["claims"]:
        value: Any = payload
        for step in claim["path"]:
            value = value[step]
        assert isinstance(value, str)
        assert {d["locale"] for d in claim["display"]} == {"en", "es"}


def test_the_authorization_server_metadata_names_the_pre_authorized_grant(
    client: Client,
) -> None:
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == SITE
    assert metadata["token_endpoint"] == f"{SITE}/credentials/oid4vci/token"
    assert metadata["grant_types_supported"] == [PRE_AUTHORIZED_GRANT]
    assert metadata["pre-authorized_grant_anonymous_access_supported"] is True


def test_a_site_below_a_path_is_an_issuer_with_that_path(
    settings: Any, practitioner: User, england: Regulator
) -> None:
    settings.SITE_URL = "https://example.org/casework"
    credential = held_credential(practitioner, regulator=england, number="SW400009")
    holder = Client()
    holder.force_login(practitioner)
    wallet = Wallet(DjangoTransport(Client(), "https://example.org/casework"))
    offer_uri = make_offer(holder, credential)
    offer = wallet.read_offer(offer_uri)
    assert offer.credential_issuer == "https://example.org/casework"
    assert well_known(offer.credential_issuer, "openid-credential-issuer") == (
        "https://example.org/.well-known/openid-credential-issuer/casework"
    )
    issuer = wallet.discover(offer)
    assert issuer.credential_endpoint == (
        "https://example.org/casework/credentials/oid4vci/credential"
    )
    assert wallet.receive(make_offer(holder, credential)) == [credential.jwt]


# Single use, short lived


def test_an_offer_used_twice_is_refused_with_invalid_grant(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    offer_uri = make_offer(holder, credential)
    issuer, code, _token = redeemed(wallet, offer_uri)
    again = wallet.request_token(issuer, code)
    assert again.status == 400
    assert error_of(again) == "invalid_grant"
    assert "already been used" in again.json()["error_description"]


def test_a_replayed_code_withdraws_the_token_it_bought(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    issuer, code, token = redeemed(wallet, make_offer(holder, credential))
    wallet.request_token(issuer, code)  # someone else replays the code
    answer = wallet.request_credential(issuer, token, REQUEST)
    assert answer.status == 401
    assert 'error="invalid_token"' in answer.header("WWW-Authenticate")
    assert AuditEvent.objects.filter(action="registry.credential_offer_replayed").exists()


def test_an_offer_after_ten_minutes_is_refused_with_invalid_grant(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        offer_uri = make_offer(holder, credential)
        offer = wallet.read_offer(offer_uri)
        issuer = wallet.discover(offer)
    with time_machine.travel(start + timedelta(minutes=9, seconds=59), tick=False):
        assert CredentialOffer.objects.get().expires_at > timezone.now()
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        answer = wallet.request_token(issuer, offer.pre_authorized_code)
    assert answer.status == 400
    assert error_of(answer) == "invalid_grant"
    assert "expired" in answer.json()["error_description"]


def test_an_unknown_code_is_refused_with_invalid_grant(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    offer = wallet.read_offer(make_offer(holder, credential))
    issuer = wallet.discover(offer)
    for code in ("not-a-code", offer.pre_authorized_code + "x", "x" * 5000):
        answer = wallet.request_token(issuer, code)
        assert answer.status == 400
        assert error_of(answer) == "invalid_grant"


def test_a_code_for_a_credential_revoked_since_is_refused(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    offer = wallet.read_offer(make_offer(holder, credential))
    issuer = wallet.discover(offer)
    revoke_credentials_for_claim(claim=credential.claim)
    answer = wallet.request_token(issuer, offer.pre_authorized_code)
    assert answer.status == 400
    assert error_of(answer) == "invalid_grant"


def test_an_access_token_fetches_the_credential_once(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    issuer, _code, token = redeemed(wallet, make_offer(holder, credential))
    body = {"credential_configuration_id": CONFIGURATION}
    first = wallet.request_credential(issuer, token, body)
    assert wallet.credentials(issuer, CONFIGURATION, first) == [credential.jwt]
    again = wallet.request_credential(issuer, token, body)
    assert again.status == 401
    assert again.header("WWW-Authenticate").startswith("Bearer ")
    assert 'error="invalid_token"' in again.header("WWW-Authenticate")
    assert again.json()["error"] == "invalid_token"


def test_an_access_token_lapses_after_five_minutes(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        issuer, _code, token = redeemed(wallet, make_offer(holder, credential))
    with time_machine.travel(start + timedelta(minutes=5, seconds=1), tick=False):
        answer = wallet.request_credential(
            issuer, token, {"credential_configuration_id": CONFIGURATION}
        )
    assert answer.status == 401
    assert "expired" in answer.json()["error_description"]


def test_a_credential_revoked_after_the_token_is_denied(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    issuer, _code, token = redeemed(wallet, make_offer(holder, credential))
    revoke_credentials_for_claim(claim=credential.claim)
    answer = wallet.request_credential(issuer, token, REQUEST)
    assert answer.status == 400
    assert error_of(answer) == "credential_request_denied"


# Bad token requests


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
        ({"grant_type": PRE_AUTHORIZED_GRANT}, "invalid_request"),
        ({"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": ""}, "invalid_request"),
    ],
)
def test_malformed_token_requests_are_refused_with_a_reason(
    client: Client, form: dict[str, str], error: str
) -> None:
    response = client.post(
        reverse("credentials:oid4vci_token"),
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert response["Cache-Control"] == "no-store"


def test_a_transaction_code_is_not_expected(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    offer = wallet.read_offer(make_offer(holder, credential))
    issuer = wallet.discover(offer)
    answer = wallet.request_token(issuer, offer.pre_authorized_code, tx_code="493536")
    assert answer.status == 400
    assert error_of(answer) == "invalid_request"
    # The code was not spent on a refused request.
    assert wallet.access_token(wallet.request_token(issuer, offer.pre_authorized_code))


def test_a_token_request_in_json_or_with_a_repeated_parameter_is_refused(client: Client) -> None:
    url = reverse("credentials:oid4vci_token")
    as_json = client.post(
        url,
        json.dumps({"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": "x"}),
        content_type="application/json",
    )
    assert as_json.status_code == 400
    assert "x-www-form-urlencoded" in as_json.json()["error_description"]
    repeated = client.post(
        url,
        f"grant_type={PRE_AUTHORIZED_GRANT}&pre-authorized_code=a&pre-authorized_code=b",
        content_type="application/x-www-form-urlencoded",
    )
    assert repeated.status_code == 400
    assert repeated.json()["error"] == "invalid_request"
    assert "pre-authorized_code" in repeated.json()["error_description"]


# Bad credential requests


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"credential_configuration_id": "UniversityDegree"}, "unknown_credential_configuration"),
        ({"credential_configuration_id": 7}, "invalid_credential_request"),
        ({}, "invalid_credential_request"),
        ({"credential_identifier": "CivilEngineeringDegree-2023"}, "unknown_credential_identifier"),
        (
            {
                "credential_configuration_id": CONFIGURATION,
                "credential_response_encryption": {"jwk": {}, "enc": "A128GCM"},
            },
            "invalid_encryption_parameters",
        ),
        ([CONFIGURATION], "invalid_credential_request"),
        (b'{"credential_configuration_id": ', "invalid_credential_request"),
        (b"\xff\xfe", "invalid_credential_request"),
        (
            b'{"credential_configuration_id": "x", "credential_configuration_id": "y"}',
            "invalid_credential_request",
        ),
    ],
)
def test_malformed_or_wrong_credential_requests_are_refused_and_spend_nothing(
    holder: Client, credential: IssuedCredential, wallet: Wallet, body: Any, error: str
) -> None:
    issuer, _code, token = redeemed(wallet, make_offer(holder, credential))
    answer = wallet.request_credential(issuer, token, body)
    assert answer.status == 400
    assert error_of(answer) == error
    # The token still fetches the credential with a good request.
    good = wallet.request_credential(issuer, token, {"credential_configuration_id": CONFIGURATION})
    assert wallet.credentials(issuer, CONFIGURATION, good) == [credential.jwt]


def test_an_oversized_credential_request_is_refused(
    holder: Client, credential: IssuedCredential, wallet: Wallet, settings: Any
) -> None:
    issuer, _code, token = redeemed(wallet, make_offer(holder, credential))
    for size in (20_000, settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1):
        body = json.dumps({"credential_configuration_id": CONFIGURATION, "x": "a" * size})
        answer = wallet.request_credential(issuer, token, body.encode())
        assert answer.status == 400
        assert error_of(answer) == "invalid_credential_request"


def test_a_credential_request_must_be_json(
    holder: Client, credential: IssuedCredential, wallet: Wallet
) -> None:
    issuer, _code, token = redeemed(wallet, make_offer(holder, credential))
    answer = wallet.request_credential(
        issuer,
        token,
        b"credential_configuration_id=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status == 400
    assert error_of(answer) == "invalid_credential_request"


@pytest.mark.parametrize(
    "authorization", [None, "", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer nope"]
)
def test_a_credential_request_without_a_good_token_is_unauthorised(
    client: Client, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.post(
        reverse("credentials:oid4vci_credential"),
        {"credential_configuration_id": CONFIGURATION},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error_description"]


def test_the_wallet_endpoints_take_only_post(client: Client) -> None:
    assert client.get(reverse("credentials:oid4vci_token")).status_code == 405
    assert client.get(reverse("credentials:oid4vci_credential")).status_code == 405
    assert client.post("/.well-known/openid-credential-issuer").status_code == 405


def test_the_wallet_endpoints_need_no_csrf_token(
    holder: Client, credential: IssuedCredential
) -> None:
    strict = Wallet(DjangoTransport(Client(enforce_csrf_checks=True), SITE))
    assert strict.receive(make_offer(holder, credential)) == [credential.jwt]


def test_the_token_endpoint_is_rate_limited_per_address(client: Client) -> None:
    url = reverse("credentials:oid4vci_token")
    for _ in range(30):
        assert client.post(url, {}).status_code == 400
    limited = client.post(url, {})
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert limited.json()["error_description"]


def test_the_credential_endpoint_is_rate_limited_per_address(client: Client) -> None:
    url = reverse("credentials:oid4vci_credential")
    for _ in range(30):
        assert client.post(url, {}, content_type="application/json").status_code == 401
    assert client.post(url, {}, content_type="application/json").status_code == 429


HOSTILE = ["\x00nul", "\u202eevil\u202c", "😀" * 300, "<script>alert('x')</script>", "' OR 1=1; --"]


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v)[:20])
def test_hostile_codes_and_configuration_ids_get_a_reason_never_a_500(
    holder: Client, credential: IssuedCredential, wallet: Wallet, value: str
) -> None:
    issuer, _code, token = redeemed(wallet, make_offer(holder, credential))
    refused = wallet.request_token(issuer, value)
    assert refused.status == 400
    assert error_of(refused) == "invalid_grant"
    answer = wallet.request_credential(issuer, token, {"credential_configuration_id": value})
    assert answer.status == 400
    assert error_of(answer) == "unknown_credential_configuration"
    assert wallet.request_credential(issuer, value, REQUEST).status == 401


def test_a_token_request_that_is_not_utf8_gets_a_reason(client: Client) -> None:
    response = client.post(
        reverse("credentials:oid4vci_token"),
        b"grant_type=\xff\xfe&pre-authorized_code=\xff",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_request", "unsupported_grant_type")

"""The holder's credential on their registrations page: download, copy, verification link and
QR code, wallet offers; nobody else's; and the status email that points there."""

from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry.credentials.models import CredentialOffer, IssuedCredential
from casework.registry.credentials.service import revoke_credentials_for_claim
from casework.registry.credentials.verification import verify_credential_jwt
from casework.registry.models import RegistrationClaim, Regulator
from casework.registry.notifications import tell_practitioner_status_changed
from casework.testing.credentials import held_credential

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(practitioner: User, england: Regulator) -> IssuedCredential:
    return held_credential(practitioner, regulator=england, number="SW 7788.1")


def signed_in(person: User) -> Client:
    client = Client()
    client.force_login(person)
    return client


def download_url(credential: IssuedCredential) -> str:
    return reverse("credentials:download", args=[credential.claim_id])


def offer_url(credential: IssuedCredential) -> str:
    return reverse("credentials:wallet_offer", args=[credential.claim_id])


# The registrations page


def test_the_registrations_page_offers_the_credential_to_download_copy_share_and_add(
    practitioner: User, credential: IssuedCredential
) -> None:
    response = signed_in(practitioner).get(reverse("registry:my_registrations"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{download_url(credential)}" download' in page
    # The credential itself, readonly, to copy without JavaScript; the copy button is hidden
    # until the script shows it.
    assert f">{credential.jwt}</textarea>" in page
    assert "readonly" in page
    assert 'data-copy-from="credential-' in page
    assert "copy-credential.js" in page
    verification = "http://127.0.0.1:8000/verify/social-work-england/SW%207788.1/"
    assert f'href="{verification}"' in page
    assert 'aria-label="QR code of the verification link"><svg' in page
    assert f'action="{offer_url(credential)}"' in page


def test_the_page_shows_no_credential_for_a_claim_awaiting_review_or_revoked(
    practitioner: User, credential: IssuedCredential, england: Regulator
) -> None:
    RegistrationClaim.objects.create(
        practitioner=practitioner,
        regulator=england,
        registration_number="SW000404",
        state=RegistrationClaim.State.PENDING,
    )
    revoke_credentials_for_claim(claim=credential.claim)
    page = signed_in(practitioner).get(reverse("registry:my_registrations")).content.decode()
    assert "Your credentials" not in page
    assert "credential.jwt" not in page


def test_a_suspended_credential_is_still_shown_and_says_so(
    practitioner: User, credential: IssuedCredential
) -> None:
    IssuedCredential.objects.filter(pk=credential.pk).update(suspended=True)
    page = signed_in(practitioner).get(reverse("registry:my_registrations")).content.decode()
    assert "Suspended: the register shows this registration suspended or lapsed" in page
    assert download_url(credential) in page


def test_the_registrations_page_costs_the_same_queries_for_one_or_three_credentials(
    practitioner: User, england: Regulator
) -> None:
    held_credential(practitioner, regulator=england, number="SW000001")
    client = signed_in(practitioner)
    client.get(reverse("registry:my_registrations"))  # warm the session and caches
    # The credentials cost one query in all (credentials with their claims, regulators and
    # register entries), however many there are.
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("registry:my_registrations"))
    held_credential(practitioner, regulator=england, number="SW000002")
    held_credential(practitioner, regulator=england, number="SW000003")
    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("registry:my_registrations"))
    assert response.content.decode().count("credential.jwt") == 3
    assert len(three.captured_queries) == len(one.captured_queries)
    credential_queries = [
        q["sql"] for q in three.captured_queries if "registry_issuedcredential" in q["sql"]
    ]
    assert len(credential_queries) == 1


# Downloading


def test_the_holder_downloads_the_credential_as_a_jwt_file(
    practitioner: User, credential: IssuedCredential
) -> None:
    response = signed_in(practitioner).get(download_url(credential))
    assert response.status_code == 200
    assert response.content.decode() == credential.jwt
    assert response["Content-Type"] == "application/vc+jwt"
    assert response["Content-Disposition"] == (
        'attachment; filename="casework-social-work-england-SW-7788-1.jwt"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert verify_credential_jwt(response.content.decode()).ok


def test_the_downloaded_file_verifies_with_the_offline_verifier(
    practitioner: User, credential: IssuedCredential, tmp_path: Path, client: Client
) -> None:
    token = signed_in(practitioner).get(download_url(credential)).content.decode()
    (tmp_path / "credential.jwt").write_text(token)
    (tmp_path / "did.json").write_bytes(client.get("/.well-known/did.json").content)
    lists = []
    for status_list in (credential.revocation_list, credential.suspension_list):
        path = tmp_path / f"{status_list.purpose}.jwt"
        path.write_text(status_list.signed_jwt)
        lists += ["--status-list", str(path)]
    call_command(
        "verify_credential",
        str(tmp_path / "credential.jwt"),
        "--did-document",
        str(tmp_path / "did.json"),
        *lists,
    )


@pytest.mark.parametrize("persona", ["other_practitioner", "officer", "admin_person"])
def test_nobody_else_downloads_or_offers_the_credential(
    persona: str, credential: IssuedCredential, request: pytest.FixtureRequest
) -> None:
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(download_url(credential)).status_code in (403, 404)
    assert client.post(offer_url(credential)).status_code in (403, 404)
    assert not CredentialOffer.objects.exists()


def test_another_practitioner_gets_404_as_for_a_claim_that_does_not_exist(
    other_practitioner: User, credential: IssuedCredential
) -> None:
    client = signed_in(other_practitioner)
    assert client.get(download_url(credential)).status_code == 404
    assert client.get(reverse("credentials:download", args=[999999])).status_code == 404
    assert client.post(offer_url(credential)).status_code == 404


def test_a_visitor_is_sent_to_sign_in(client: Client, credential: IssuedCredential) -> None:
    response = client.get(download_url(credential))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.post(offer_url(credential)).status_code == 302


def test_a_revoked_credential_or_a_withdrawn_claim_is_no_longer_served(
    practitioner: User, credential: IssuedCredential
) -> None:
    client = signed_in(practitioner)
    RegistrationClaim.objects.filter(pk=credential.claim_id).update(
        state=RegistrationClaim.State.WITHDRAWN
    )
    assert client.get(download_url(credential)).status_code == 404
    assert client.post(offer_url(credential)).status_code == 404


def test_a_replaced_credential_gives_way_to_the_new_one(
    practitioner: User, credential: IssuedCredential
) -> None:
    from casework.registry.credentials.service import issue_credential_for_claim

    newer = issue_credential_for_claim(claim=credential.claim)
    assert newer is not None
    response = signed_in(practitioner).get(download_url(credential))
    assert response.content.decode() == newer.jwt


def test_wrong_methods_are_refused(practitioner: User, credential: IssuedCredential) -> None:
    client = signed_in(practitioner)
    assert client.post(download_url(credential)).status_code == 405
    assert client.get(offer_url(credential)).status_code == 405


# Offering to a wallet


def test_an_offer_shows_a_qr_code_and_a_link_once_and_stores_only_a_hash(
    practitioner: User, credential: IssuedCredential
) -> None:
    with time_machine.travel(timezone.now(), tick=False):
        response = signed_in(practitioner).post(offer_url(credential))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert 'href="openid-credential-offer://?credential_offer=' in page
    assert 'aria-label="QR code of the credential offer for your wallet app"><svg' in page
    offer = CredentialOffer.objects.get()
    assert offer.credential == credential
    assert (offer.expires_at - offer.created_at).total_seconds() == 600
    code = response.context["offer_uri"].split("pre-authorized_code%22%3A%22")[1].split("%22")[0]
    assert len(code) >= 43
    assert code not in offer.code_hash
    assert len(offer.code_hash) == 64
    assert AuditEvent.objects.filter(
        action="registry.credential_offered", actor_id=practitioner.pk
    ).exists()


def test_offers_are_rate_limited_per_person(
    practitioner: User, credential: IssuedCredential
) -> None:
    client = signed_in(practitioner)
    for _ in range(20):
        assert client.post(offer_url(credential)).status_code == 200
    refused = client.post(offer_url(credential), follow=True)
    assert refused.redirect_chain[-1][0] == reverse("registry:my_registrations")
    assert "You have made many wallet offers in the last hour." in refused.content.decode()
    assert CredentialOffer.objects.count() == 20


# The status email


def test_the_status_email_links_to_the_registrations_page(
    practitioner: User, credential: IssuedCredential
) -> None:
    tell_practitioner_status_changed(claim_id=credential.claim_id, new_status="suspended")
    (message,) = mail.outbox
    assert "your credential shows it too" in message.body
    link = "http://127.0.0.1:8000/practice/registrations/"
    assert f"See your registrations and your credential: {link}" in message.body

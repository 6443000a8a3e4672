"""Registration claim evidence is stored sealed under the practitioner's data key."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry.claims import claim_registration
from casework.registry.models import RegistrationClaim, Regulator, RegulatorOfficer
from casework.registry.reference_data import load_reference_data
from casework.vault.crypto import unseal_named
from casework.vault.errors import DecryptionFailed
from casework.vault.models import DataKey
from casework.vault.services import destroy_data_key

pytestmark = pytest.mark.django_db

CERTIFICATE = b"%PDF-1.4 Certificate of registration: Jonas Berg, SW998877"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    """Evidence goes to a folder of the test's own, never to var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


@pytest.fixture
def england(officer: User) -> Regulator:
    load_reference_data()
    regulator = Regulator.objects.get(slug="social-work-england")
    RegulatorOfficer.objects.create(officer=officer, regulator=regulator)
    return regulator


def claim_with(practitioner: User, regulator: Regulator, number: str) -> RegistrationClaim:
    return claim_registration(
        practitioner=practitioner,
        regulator=regulator,
        registration_number=number,
        evidence=SimpleUploadedFile("jonas-berg-certificate.pdf", CERTIFICATE),
    )


def stored_bytes(claim: RegistrationClaim) -> bytes:
    with claim.evidence.open("rb") as stored:
        return bytes(stored.read())


def test_evidence_is_stored_sealed_under_the_practitioners_key(
    other_practitioner: User, england: Regulator
) -> None:
    claim = claim_with(other_practitioner, england, "SW998877")
    name = claim.evidence.name or ""
    assert name.endswith(".sealed")
    assert "jonas" not in name
    content = stored_bytes(claim)
    assert CERTIFICATE not in content
    assert b"Jonas" not in content
    data_key = DataKey.objects.get(owner=f"person:{other_practitioner.pk}")
    assert content[1:17] == data_key.id.bytes


def test_a_reviewer_downloads_the_evidence_opened(
    other_practitioner: User, officer: User, england: Regulator, client: Client
) -> None:
    claim = claim_with(other_practitioner, england, "SW998877")
    client.force_login(officer)
    response = client.get(reverse("registry:claim_evidence", args=[claim.pk]))
    assert response.status_code == 200
    assert response.content == CERTIFICATE
    assert response["Content-Disposition"] == (
        f'attachment; filename="claim-{claim.pk}-evidence.pdf"'
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        action="registry.evidence_viewed", object_id=str(claim.pk)
    ).exists()


def test_evidence_erased_with_the_practitioners_key_is_gone(
    other_practitioner: User, officer: User, england: Regulator, client: Client
) -> None:
    claim = claim_with(other_practitioner, england, "SW998877")
    data_key = DataKey.objects.get(owner=f"person:{other_practitioner.pk}")
    destroy_data_key(data_key=data_key, actor=None, reason="Erasure request")
    client.force_login(officer)
    response = client.get(reverse("registry:claim_evidence", args=[claim.pk]))
    assert response.status_code == 410
    assert "erased" in response.content.decode()
    assert not AuditEvent.objects.filter(action="registry.evidence_viewed").exists()


def test_evidence_moved_to_another_claim_does_not_open(
    other_practitioner: User, england: Regulator
) -> None:
    first = claim_with(other_practitioner, england, "SW998877")
    second = claim_with(other_practitioner, england, "SW112233")
    assert first.evidence.name != second.evidence.name
    with pytest.raises(DecryptionFailed, match=f"registrationclaim.evidence:{second.pk}"):
        unseal_named(
            stored_bytes(first), context=f"registry.registrationclaim.evidence:{second.pk}"
        )


def test_evidence_stored_before_the_vault_is_still_served(
    other_practitioner: User, officer: User, england: Regulator, client: Client
) -> None:
    claim = claim_registration(
        practitioner=other_practitioner, regulator=england, registration_number="SW998877"
    )
    claim.evidence.save("certificate.png", ContentFile(b"\x89PNG old upload"), save=True)
    client.force_login(officer)
    response = client.get(reverse("registry:claim_evidence", args=[claim.pk]))
    assert response.status_code == 200
    assert response.content == b"\x89PNG old upload"
    assert response["Content-Disposition"].endswith(f'claim-{claim.pk}-evidence.png"')

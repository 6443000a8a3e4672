import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry.claims import claim_registration, decide_claim, withdraw_claim
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator, RegulatorOfficer
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(england: Regulator) -> RegisterEntry:
    return RegisterEntry.objects.create(
        regulator=england,
        registration_number="SW123456",
        name="OKAFOR, Amara",
        previous_names=["Amara Eze"],
        status="registered",
    )


def test_a_claim_matching_the_register_is_verified_at_once(
    practitioner: User, entry: RegisterEntry
) -> None:
    claim = claim_registration(
        practitioner=practitioner, regulator=entry.regulator, registration_number="sw 123456"
    )
    assert claim.state == RegistrationClaim.State.VERIFIED
    assert claim.entry == entry
    assert AuditEvent.objects.filter(action="registry.claim_verified").exists()


def test_a_claim_under_another_name_waits_for_review(
    other_practitioner: User, entry: RegisterEntry
) -> None:
    claim = claim_registration(
        practitioner=other_practitioner,
        regulator=entry.regulator,
        registration_number="SW123456",
        evidence=SimpleUploadedFile("cert.pdf", b"%PDF-1.4 certificate"),
    )
    assert claim.state == RegistrationClaim.State.PENDING
    assert claim.entry is None


def test_evidence_that_is_not_a_pdf_or_image_is_refused(
    other_practitioner: User, entry: RegisterEntry
) -> None:
    with pytest.raises(ValidationError, match="PDF, PNG or JPEG"):
        claim_registration(
            practitioner=other_practitioner,
            regulator=entry.regulator,
            registration_number="SW123456",
            evidence=SimpleUploadedFile("cert.pdf", b"<html>not a pdf</html>"),
        )
    assert not RegistrationClaim.objects.exists()


def test_a_registration_already_held_goes_to_review_even_with_the_same_name(
    practitioner: User, entry: RegisterEntry
) -> None:
    claim_registration(
        practitioner=practitioner, regulator=entry.regulator, registration_number="SW123456"
    )
    twin = PractitionerFactory.create(legal_name="Amara Okafor")
    second = claim_registration(
        practitioner=twin, regulator=entry.regulator, registration_number="SW123456"
    )
    assert second.state == RegistrationClaim.State.PENDING


def test_an_officer_of_the_regulator_reviews_and_the_decision_is_audited(
    officer: User, other_practitioner: User, entry: RegisterEntry
) -> None:
    RegulatorOfficer.objects.create(officer=officer, regulator=entry.regulator)
    claim = claim_registration(
        practitioner=other_practitioner, regulator=entry.regulator, registration_number="SW123456"
    )
    with pytest.raises(ValidationError, match="reason"):
        decide_claim(claim=claim, reviewer=officer, approve=True, reason=" ")
    decided = decide_claim(claim=claim, reviewer=officer, approve=True, reason="Name change seen")
    assert decided.state == RegistrationClaim.State.VERIFIED
    event = AuditEvent.objects.get(action="registry.claim_approved")
    assert event.reason == "Name change seen"
    with pytest.raises(ValidationError, match="already been decided"):
        decide_claim(claim=claim, reviewer=officer, approve=False, reason="again")


def test_the_review_queue_shows_only_the_officers_own_regulators(
    officer: User, other_practitioner: User, entry: RegisterEntry, client: Client
) -> None:
    claim = claim_registration(
        practitioner=other_practitioner, regulator=entry.regulator, registration_number="SW123456"
    )
    client.force_login(officer)
    assert client.get(reverse("registry:review_claim", args=[claim.pk])).status_code == 404
    RegulatorOfficer.objects.create(officer=officer, regulator=entry.regulator)
    page = client.get(reverse("registry:review_claim", args=[claim.pk]))
    assert page.status_code == 200
    assert "OKAFOR, Amara" in page.content.decode()  # side by side with the entry


def test_a_practitioner_claims_through_the_page(
    practitioner: User, entry: RegisterEntry, client: Client
) -> None:
    client.force_login(practitioner)
    response = client.post(
        reverse("registry:my_registrations"),
        {"regulator": "social-work-england", "registration_number": "SW123456"},
    )
    assert response.status_code == 302
    page = client.get(reverse("registry:my_registrations")).content.decode()
    assert "Verified" in page


def test_withdrawing_a_verified_claim_frees_the_registration(
    practitioner: User, entry: RegisterEntry
) -> None:
    claim = claim_registration(
        practitioner=practitioner, regulator=entry.regulator, registration_number="SW123456"
    )
    withdraw_claim(claim=claim, practitioner=practitioner)
    claim.refresh_from_db()
    assert claim.state == RegistrationClaim.State.WITHDRAWN


def test_clients_cannot_claim_registrations(client_person: User, entry: RegisterEntry) -> None:
    with pytest.raises(ValidationError):
        claim_registration(
            practitioner=client_person, regulator=entry.regulator, registration_number="SW123456"
        )

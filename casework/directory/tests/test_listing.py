"""Only verified practitioners with a practising registration are listed, and a register
reading that changes that hides them at once: search, profile, photo and API alike."""

import io

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from casework.accounts.models import User
from casework.directory.models import PractitionerProfile
from casework.directory.queries import listed_profiles
from casework.directory.services import save_profile
from casework.registry.claims import (
    claim_registration,
    registration_status_changed,
    withdraw_claim,
)
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.registry.register_import import (
    apply_register_import,
    check_register_import,
    receive_register_file,
)
from casework.testing.directory import listed_practitioner, profile_details
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.usefixtures("reference")


def shown_in_search(profile: PractitionerProfile) -> bool:
    page = Client().get("/find/").content.decode()
    api = Client().get("/api/v1/practitioners").json()
    in_page = f'href="/practitioners/{profile.slug}/"' in page
    in_api = profile.slug in [item["slug"] for item in api["results"]]
    assert in_page == in_api
    return in_page


def test_a_verified_published_practitioner_is_listed() -> None:
    profile = listed_practitioner()
    assert shown_in_search(profile)
    assert Client().get(f"/practitioners/{profile.slug}/").status_code == 200


def test_an_unpublished_profile_is_not_listed() -> None:
    profile = listed_practitioner(published=False)
    assert not shown_in_search(profile)
    assert Client().get(f"/practitioners/{profile.slug}/").status_code == 404


def test_a_practitioner_whose_claim_waits_for_review_is_not_listed() -> None:
    regulator = Regulator.objects.get(slug="social-work-england")
    RegisterEntry.objects.create(
        regulator=regulator, registration_number="SW1", name="Someone Else", status="registered"
    )
    person = PractitionerFactory.create(legal_name="Amara Okafor")
    claim = claim_registration(practitioner=person, regulator=regulator, registration_number="SW1")
    assert claim.state == RegistrationClaim.State.PENDING
    profile = save_profile(practitioner=person, details=profile_details())
    assert not shown_in_search(profile)


def test_a_practitioner_without_any_claim_is_not_listed(practitioner: User) -> None:
    profile = save_profile(practitioner=practitioner, details=profile_details())
    assert not shown_in_search(profile)


@pytest.mark.parametrize("status", ["suspended", "lapsed", "removed"])
def test_a_registration_that_does_not_let_them_practise_hides_them(status: str) -> None:
    profile = listed_practitioner()
    RegisterEntry.objects.filter(claims__practitioner=profile.practitioner).update(status=status)
    assert not shown_in_search(profile)


def test_registered_with_conditions_stays_listed() -> None:
    profile = listed_practitioner()
    RegisterEntry.objects.filter(claims__practitioner=profile.practitioner).update(
        status="conditions"
    )
    assert shown_in_search(profile)


def test_a_status_change_hides_the_listing_at_once() -> None:
    profile = listed_practitioner()
    entry = RegisterEntry.objects.get(claims__practitioner=profile.practitioner)
    entry.status = "suspended"
    entry.save(update_fields=["status"])
    registration_status_changed(
        entry=entry, old_status="registered", new_status="suspended", register_import=None
    )
    assert not shown_in_search(profile)
    assert Client().get(f"/practitioners/{profile.slug}/").status_code == 404


def test_a_register_import_that_suspends_someone_hides_them_in_the_same_reading() -> None:
    profile = listed_practitioner(legal_name="Dana Hollis")
    entry = RegisterEntry.objects.get(claims__practitioner=profile.practitioner)
    assert shown_in_search(profile)
    export = (
        f"registration_number,name,status\n{entry.registration_number},Dana Hollis,suspended\n"
    ).encode()
    received = receive_register_file(
        regulator=entry.regulator,
        uploaded_file=File(io.BytesIO(export), name="register.csv"),
        file_format="generic-csv",
        uploaded_by=None,
        check_in_background=False,
    )
    check_register_import(register_import_id=received.pk)
    # The register's only entry suspended: a reading that needs its count confirmed.
    apply_register_import(register_import_id=received.pk, applied_by=None, confirmed_withdrawals=1)
    assert not listed_profiles().filter(pk=profile.pk).exists()
    assert not shown_in_search(profile)


def test_a_withdrawn_claim_hides_the_listing() -> None:
    profile = listed_practitioner()
    claim = RegistrationClaim.objects.get(practitioner=profile.practitioner)
    withdraw_claim(claim=claim, practitioner=profile.practitioner)
    assert not shown_in_search(profile)


def test_a_deactivated_account_is_not_listed() -> None:
    profile = listed_practitioner()
    User.objects.filter(pk=profile.practitioner_id).update(is_active=False)
    assert not shown_in_search(profile)


def test_the_owner_previews_an_unlisted_profile_and_others_get_404(
    other_practitioner: User, client_person: User, moderator: User
) -> None:
    profile = listed_practitioner(published=False)
    owner = Client()
    owner.force_login(profile.practitioner)
    response = owner.get(f"/practitioners/{profile.slug}/")
    assert response.status_code == 200
    assert "Only you can see this page." in response.content.decode()
    assert response.context["booking_enabled"] is False
    for person in (other_practitioner, client_person, moderator):
        viewer = Client()
        viewer.force_login(person)
        assert viewer.get(f"/practitioners/{profile.slug}/").status_code == 404
    assert Client().get("/practitioners/nobody-here/").status_code == 404


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 0, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue())


def test_the_photo_is_served_only_while_listed_or_to_its_owner() -> None:
    profile = listed_practitioner()
    save_profile(
        practitioner=profile.practitioner,
        details=profile_details(),
        photo=_photo(),
    )
    url = f"/practitioners/{profile.slug}/photo.jpg"
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=300"
    RegisterEntry.objects.filter(claims__practitioner=profile.practitioner).update(
        status="suspended"
    )
    assert Client().get(url).status_code == 404
    owner = Client()
    owner.force_login(profile.practitioner)
    response = owner.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_a_profile_without_a_photo_has_no_photo_address() -> None:
    profile = listed_practitioner()
    assert Client().get(f"/practitioners/{profile.slug}/photo.jpg").status_code == 404


def test_a_wrong_method_gets_405() -> None:
    profile = listed_practitioner()
    for url in ("/find/", f"/practitioners/{profile.slug}/"):
        assert Client().post(url).status_code == 405


def test_a_claim_awaiting_proof_on_a_held_registration_lists_nobody_anywhere() -> None:
    """The impostor's claim points at the holder's entry: search, the place filter and the
    profile read standing from verified claims only."""
    holder = listed_practitioner(legal_name="Amara Okafor")
    entry = RegisterEntry.objects.get(claims__practitioner=holder.practitioner)
    impostor = PractitionerFactory.create(legal_name="Amara Okafor")
    claim = claim_registration(
        practitioner=impostor,
        regulator=entry.regulator,
        registration_number=entry.registration_number,
    )
    assert claim.state == RegistrationClaim.State.AWAITING_PROOF
    profile = save_profile(practitioner=impostor, details=profile_details(display_name="Amara O."))
    assert not shown_in_search(profile)
    assert shown_in_search(holder)
    place = Client().get("/find/?where=GB-ENG").content.decode()
    assert f'href="/practitioners/{profile.slug}/' not in place
    assert f'href="/practitioners/{holder.slug}/' in place
    assert Client().get(f"/practitioners/{profile.slug}/").status_code == 404

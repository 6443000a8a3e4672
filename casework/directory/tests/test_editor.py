"""The profile editor: what a practitioner may say about themselves, and what is refused."""

import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from PIL import Image

from casework.accounts.models import User
from casework.directory.models import PractitionerProfile, ProfileLanguage
from casework.directory.services import save_profile
from casework.privacy.models import AuditEvent
from casework.testing.directory import profile_details

URL = "/practice/profile/"


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "display_name": "Amara Okafor",
        "languages": ["de", "yo"],
        "specialties": ["mental-health", "trauma"],
        "modalities": ["video", "in_person"],
        "in_person_place": "Manchester",
        "fee": "60",
        "fee_currency": "GBP",
        "time_zone": "Europe/London",
        "bio_source": "I work with adults through *hard times*.",
        "published": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def jpeg_with_exif() -> io.BytesIO:
    image = Image.new("RGB", (900, 700), (10, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    buffer.seek(0)
    buffer.name = "me.jpg"
    return buffer


def test_a_practitioner_opens_the_editor(practitioner: User, signed_in: Any) -> None:
    response = signed_in(practitioner).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your profile is not listed." in page
    assert 'name="display_name"' in page


@pytest.mark.parametrize("persona", ["client_person", "moderator", "officer", "admin_person"])
def test_only_practitioners_have_the_editor(persona: str, request: pytest.FixtureRequest) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data()).status_code == 403
    assert not PractitionerProfile.objects.exists()


def test_a_visitor_is_sent_to_sign_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_saving_creates_the_profile_audited_and_searchable(
    practitioner: User, signed_in: Any
) -> None:
    response = signed_in(practitioner).post(URL, form_data())
    assert response.status_code == 302
    profile = PractitionerProfile.objects.get(practitioner=practitioner)
    assert profile.slug == "amara-okafor"
    assert profile.fee == Decimal("60.00")
    assert profile.fee_currency == "GBP"
    assert sorted(profile.language_rows.values_list("code", flat=True)) == ["de", "yo"]
    assert profile.in_person_place == "Manchester"
    assert profile.bio_html == "<p>I work with adults through <em>hard times</em>.</p>"
    # Folded, and in both site languages: found by "alemán" or "aleman" as by "German".
    assert "mental health" in profile.search_document
    words = set(re.findall(r"\w+", profile.search_document))
    assert {"german", "aleman", "yoruba", "manchester", "hard", "times"} <= words
    event = AuditEvent.objects.get(action="directory.profile_created")
    assert event.actor_id == practitioner.pk
    assert event.subject_id == practitioner.pk


def test_the_time_zone_is_the_persons_own(practitioner: User, signed_in: Any) -> None:
    signed_in(practitioner).post(URL, form_data(time_zone="America/Toronto"))
    practitioner.refresh_from_db()
    assert practitioner.time_zone == "America/Toronto"
    page = signed_in(practitioner).get(URL).content.decode()
    assert '<option value="America/Toronto" selected>' in page


def test_saving_again_updates_in_place(practitioner: User, signed_in: Any) -> None:
    client = signed_in(practitioner)
    client.post(URL, form_data())
    client.post(URL, form_data(display_name="Amara N. Okafor", languages=["fr"], funded="on"))
    profile = PractitionerProfile.objects.get()
    assert profile.display_name == "Amara N. Okafor"
    assert profile.slug == "amara-okafor"  # shared links keep working
    assert list(profile.language_rows.values_list("code", flat=True)) == ["fr"]
    assert profile.funded
    assert profile.fee is None
    assert profile.fee_currency == ""
    assert ProfileLanguage.objects.count() == 1


def test_funded_practice_needs_no_fee(practitioner: User, signed_in: Any) -> None:
    response = signed_in(practitioner).post(URL, form_data(funded="on", fee="", fee_currency=""))
    assert response.status_code == 302
    assert PractitionerProfile.objects.get().funded


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"fee": "-5"}, "fee", "A fee cannot be negative."),
        ({"fee_currency": "XYZ"}, "fee_currency", "XYZ is not a currency we know (ISO 4217)"),
        ({"fee_currency": ""}, "fee_currency", "Choose the currency of your fee."),
        ({"fee": ""}, "fee", "Give your fee per session"),
        ({"fee": "abc"}, "fee", "Enter a number."),
        ({"languages": ["en", "xx"]}, "languages", "xx is not a language we know (ISO 639)."),
        ({"languages": []}, "languages", "This field is required."),
        ({"specialties": ["astrology"]}, "specialties", "astrology is not one of the specialties"),
        ({"modalities": ["telepathy"]}, "modalities", "Select a valid choice."),
        ({"in_person_place": ""}, "in_person_place", "Say where you see clients in person"),
        ({"display_name": "<b>Amara</b>"}, "display_name", "ordinary punctuation"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
        ({"bio_source": "x" * 3001}, "bio_source", "at most 3000 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(
    practitioner: User,
    signed_in: Any,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    client = signed_in(practitioner)
    events = AuditEvent.objects.count()
    response = client.post(URL, form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert "Nothing was saved" in response.content.decode()
    assert not PractitionerProfile.objects.exists()
    assert AuditEvent.objects.count() == events
    practitioner.refresh_from_db()
    assert practitioner.time_zone == "UTC"


def test_a_refused_edit_leaves_the_saved_profile_as_it_was(
    practitioner: User, signed_in: Any
) -> None:
    client = signed_in(practitioner)
    client.post(URL, form_data())
    before = PractitionerProfile.objects.values().get()
    client.post(URL, form_data(display_name="Someone Else", fee="-1"))
    assert PractitionerProfile.objects.values().get() == before


def test_the_service_refuses_what_the_form_would(practitioner: User) -> None:
    """The API, demo data and tasks call the service directly: it checks everything itself."""
    with pytest.raises(ValidationError) as refused:
        save_profile(
            practitioner=practitioner,
            details=profile_details(fee=Decimal("-1"), fee_currency="ABC", languages=["zz"]),
        )
    assert set(refused.value.message_dict) == {"fee", "fee_currency", "languages"}
    assert not PractitionerProfile.objects.exists()


def test_a_client_cannot_have_a_profile(client_person: User) -> None:
    with pytest.raises(ValidationError, match="Only practitioners"):
        save_profile(practitioner=client_person, details=profile_details())


def test_a_photo_is_stored_resized_without_exif(
    practitioner: User, signed_in: Any, photo_storage: Path
) -> None:
    response = signed_in(practitioner).post(URL, form_data(photo=jpeg_with_exif()))
    assert response.status_code == 302
    profile = PractitionerProfile.objects.get()
    with profile.photo.open("rb") as handle:
        stored = handle.read()
    assert b"Secret Camera" not in stored
    assert Image.open(io.BytesIO(stored)).size == (512, 512)
    assert str(photo_storage) in profile.photo.path


def test_replacing_and_removing_a_photo_deletes_the_old_file(
    practitioner: User, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(practitioner)
    client.post(URL, form_data(photo=jpeg_with_exif()))
    first = Path(PractitionerProfile.objects.get().photo.path)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, form_data(photo=jpeg_with_exif()))
    second = Path(PractitionerProfile.objects.get().photo.path)
    assert second.exists()
    assert not first.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, form_data(remove_photo="on"))
    assert not PractitionerProfile.objects.get().photo
    assert not second.exists()


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_stored(
    practitioner: User, signed_in: Any, photo_storage: Path
) -> None:
    fake = io.BytesIO(b"%PDF-1.7 a document")
    fake.name = "me.jpg"
    response = signed_in(practitioner).post(URL, form_data(photo=fake))
    assert response.status_code == 200
    assert "not a photo we can read" in response.content.decode()
    assert not PractitionerProfile.objects.exists()
    assert not any(photo_storage.rglob("*.jpg"))


def test_a_refused_profile_keeps_no_photo_file(
    practitioner: User, signed_in: Any, photo_storage: Path
) -> None:
    response = signed_in(practitioner).post(URL, form_data(photo=jpeg_with_exif(), fee="-3"))
    assert response.status_code == 200
    assert not any(photo_storage.rglob("*.jpg"))


HOSTILE_VALUES: list[object] = [
    "",
    "x" * 10_240,
    ["first", "second"],
    "<script>alert('x')</script>",
    "' OR 1=1; DROP TABLE directory_practitionerprofile; --",
    "\x00nul",
    "\u202eevil\u202c",
    "😀" * 300,
    12345,
]


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=lambda v: repr(v)[:20])
def test_hostile_values_in_every_field_get_a_clear_error(value: object, practitioner: User) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(practitioner)
    fields = [*form_data(), "photo", "remove_photo", "funded"]
    response = client.post(URL, dict.fromkeys(fields, value))
    assert response.status_code == 200
    assert "field-errors" in response.content.decode()
    assert not PractitionerProfile.objects.exists()


def test_every_mistake_is_shown_at_once(practitioner: User, signed_in: Any) -> None:
    fake = io.BytesIO(b"not an image")
    fake.name = "me.png"
    response = signed_in(practitioner).post(
        URL, form_data(fee="-10", in_person_place="", specialties=["astrology"], photo=fake)
    )
    errors = response.context["form"].errors
    assert set(errors) == {"fee", "in_person_place", "specialties", "photo"}

"""Writes of the directory: a practitioner saves their profile."""

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User, known_time_zones, validate_person_name
from casework.accounts.services import update_preferences
from casework.directory.bio import BIO_MAX_CHARS, bio_text, render_bio
from casework.directory.models import (
    Modality,
    PractitionerProfile,
    ProfileLanguage,
    ProfileModality,
    ProfileSpecialty,
)
from casework.directory.name_review import flag_display_name
from casework.directory.photos import prepare_photo
from casework.directory.search import search_document
from casework.directory.vocabulary import currency_codes, language_codes, specialties
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.shell.page_cache import renew_public_pages

MAX_LANGUAGES = 12
MAX_SPECIALTIES = 10
FEE_MAX = Decimal("999999.99")


@dataclass(frozen=True)
class ProfileDetails:
    """What a practitioner says about themselves; checked by ``save_profile``."""

    display_name: str
    languages: Sequence[str]
    specialties: Sequence[str]
    modalities: Sequence[str]
    in_person_place: str
    funded: bool
    fee: Decimal | None
    fee_currency: str
    time_zone: str
    bio_source: str
    published: bool


def check_profile(details: ProfileDetails) -> ProfileDetails:
    """Every rule a profile keeps, with its messages per field, raised all at once; returns
    the details tidied (spaces collapsed, duplicates dropped, fee cleared when funded)."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    name = " ".join(details.display_name.split())
    if not name:
        refuse("display_name", _("Give the name clients will see."))
    elif len(name) > 120:
        refuse("display_name", _("Keep the display name to 120 characters."))
    else:
        try:
            validate_person_name(name)
        except ValidationError as error:
            refuse("display_name", " ".join(error.messages))

    languages = list(dict.fromkeys(details.languages))
    unknown = [code for code in languages if code not in language_codes()]
    if unknown:
        refuse(
            "languages",
            _("%(codes)s: not a language we know (ISO 639).") % {"codes": ", ".join(unknown)},
        )
    elif not languages:
        refuse("languages", _("Choose at least one language you work in."))
    elif len(languages) > MAX_LANGUAGES:
        refuse("languages", _("Choose at most 12 languages."))

    chosen = list(dict.fromkeys(details.specialties))
    unknown = [key for key in chosen if key not in specialties()]
    if unknown:
        refuse(
            "specialties",
            _("%(keys)s: not one of the specialties in the list.") % {"keys": ", ".join(unknown)},
        )
    elif len(chosen) > MAX_SPECIALTIES:
        refuse("specialties", _("Choose at most 10 specialties."))

    modalities = list(dict.fromkeys(details.modalities))
    if any(value not in Modality.values for value in modalities):
        refuse("modalities", _("Choose how you work from the list."))
    elif not modalities:
        refuse("modalities", _("Choose at least one way of working with clients."))
    place = " ".join(details.in_person_place.split())
    if Modality.IN_PERSON in modalities and not place:
        refuse("in_person_place", _("Say where you see clients in person (a town or area)."))
    elif len(place) > 200:
        refuse("in_person_place", _("Keep the place to 200 characters."))
    elif place:
        try:
            validate_person_name(place)
        except ValidationError as error:
            refuse("in_person_place", " ".join(error.messages))
    if Modality.IN_PERSON not in modalities:
        place = ""

    fee, currency = details.fee, details.fee_currency.strip().upper()
    if details.funded:
        fee, currency = None, ""
    else:
        if fee is None:
            refuse("fee", _("Give your fee per session, or say that clients pay nothing."))
        elif not fee.is_finite():
            refuse("fee", _("Give the fee as an amount, such as 60 or 45.50."))
        elif fee < 0:
            refuse("fee", _("A fee cannot be negative."))
        elif fee > FEE_MAX:
            refuse("fee", _("A fee can be at most 999999.99."))
        elif fee != fee.quantize(Decimal("0.01")):
            refuse("fee", _("Give the fee with at most two decimal places."))
        if not currency:
            refuse("fee_currency", _("Choose the currency of your fee."))
        elif currency not in currency_codes():
            refuse(
                "fee_currency",
                _("%(code)s is not a currency we know (ISO 4217): choose one from the list.")
                % {"code": currency[:10]},
            )

    if details.time_zone not in known_time_zones():
        refuse("time_zone", _("Choose your time zone from the list."))

    bio = details.bio_source.replace("\r\n", "\n").strip()
    if len(bio) > BIO_MAX_CHARS:
        refuse("bio_source", _("Keep the bio to 3000 characters."))
    if "\x00" in bio:
        refuse("bio_source", _("The bio contains characters that cannot be stored."))

    if errors:
        raise ValidationError(errors)
    return ProfileDetails(
        display_name=name,
        languages=languages,
        specialties=chosen,
        modalities=modalities,
        in_person_place=place,
        funded=details.funded,
        fee=fee,
        fee_currency=currency,
        time_zone=details.time_zone,
        bio_source=bio,
        published=details.published,
    )


def _new_slug(display_name: str) -> str:
    base = slugify(display_name)[:60].strip("-") or "practitioner"
    slug = base
    while PractitionerProfile.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def _replace_rows(
    model: type[models.Model], profile: PractitionerProfile, field: str, values: Iterable[str]
) -> None:
    wanted = list(values)
    manager = model._default_manager
    manager.filter(profile=profile).exclude(**{f"{field}__in": wanted}).delete()
    have = set(manager.filter(profile=profile).values_list(field, flat=True))
    manager.bulk_create(
        [model(profile=profile, **{field: value}) for value in wanted if value not in have]
    )


def _delete_file(name: str) -> None:
    if name:
        default_storage.delete(name)


def save_profile(
    *,
    practitioner: User,
    details: ProfileDetails,
    photo: UploadedFile[bytes] | None = None,
    remove_photo: bool = False,
) -> PractitionerProfile:
    """Create or update ``practitioner``'s profile. Every rule is checked before anything is
    written; a refused profile stores nothing, photo included."""
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError(_("Only practitioners have a profile in the directory."))
    details = check_profile(details)
    photo_bytes = None
    if photo is not None:
        try:
            photo_bytes = prepare_photo(photo)
        except ValidationError as error:
            raise ValidationError({"photo": error.messages}) from None
    stored_photo = ""
    try:
        with transaction.atomic():
            profile = (
                PractitionerProfile.objects.select_for_update()
                .filter(practitioner=practitioner)
                .first()
            )
            created = profile is None
            if profile is None:
                profile = PractitionerProfile(
                    practitioner=practitioner, slug=_new_slug(details.display_name)
                )
            old_photo = profile.photo.name or ""
            photo_change = "kept"
            if photo_bytes is not None:
                profile.photo.save("photo.jpg", ContentFile(photo_bytes), save=False)
                stored_photo = profile.photo.name or ""
                photo_change = "replaced" if old_photo else "added"
            elif remove_photo and old_photo:
                profile.photo = ""
                photo_change = "removed"
            profile.display_name = details.display_name
            profile.in_person_place = details.in_person_place
            profile.funded = details.funded
            profile.fee = details.fee
            profile.fee_currency = details.fee_currency
            profile.bio_source = details.bio_source
            profile.bio_html = render_bio(details.bio_source)
            profile.published = details.published
            profile.search_document = search_document(
                display_name=details.display_name,
                languages=details.languages,
                specialties=details.specialties,
                modalities=details.modalities,
                in_person_place=details.in_person_place,
                bio_text=bio_text(profile.bio_html),
            )
            profile.save()
            flag_display_name(profile)
            _replace_rows(ProfileLanguage, profile, "code", details.languages)
            _replace_rows(ProfileSpecialty, profile, "code", details.specialties)
            _replace_rows(ProfileModality, profile, "modality", details.modalities)
            if practitioner.time_zone != details.time_zone:
                update_preferences(
                    person=practitioner,
                    language=practitioner.language,
                    time_zone=details.time_zone,
                )
            renew_public_pages()  # a visitor's next page shows the profile as saved
            record_event(
                action=actions.DIRECTORY_PROFILE_CREATED
                if created
                else actions.DIRECTORY_PROFILE_SAVED,
                actor=practitioner,
                target=profile,
                subject_id=practitioner.pk,
                detail={"published": details.published, "photo": photo_change},
            )
            if photo_change in ("replaced", "removed"):
                transaction.on_commit(partial(_delete_file, old_photo))
    except BaseException:
        # The database rolled back; the new photo file must not outlive it.
        _delete_file(stored_photo)
        raise
    return profile


def refresh_search_documents(*, batch_size: int = 500) -> int:
    """Rebuild every profile's search document: after the specialty vocabulary or the
    catalogues that translate it change. Returns how many documents changed."""
    profiles = PractitionerProfile.objects.order_by("pk").prefetch_related(
        "language_rows", "specialty_rows", "modality_rows"
    )
    with transaction.atomic():
        stale = []
        for profile in profiles.iterator(chunk_size=batch_size):
            document = search_document(
                display_name=profile.display_name,
                languages=[row.code for row in profile.language_rows.all()],
                specialties=[row.code for row in profile.specialty_rows.all()],
                modalities=[row.modality for row in profile.modality_rows.all()],
                in_person_place=profile.in_person_place,
                bio_text=bio_text(profile.bio_html),
            )
            if document != profile.search_document:
                profile.search_document = document
                stale.append(profile)
        PractitionerProfile.objects.bulk_update(stale, ["search_document"], batch_size=batch_size)
        changed = len(stale)
        if changed:
            renew_public_pages()  # what a search finds changed
        record_event(
            action=actions.DIRECTORY_SEARCH_DOCUMENTS_REFRESHED, detail={"changed": changed}
        )
    return changed

"""A profile as pages and the API show it, in the reader's language, from prefetched rows."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.urls import reverse

from casework.directory.display_names import name_to_show
from casework.directory.models import Modality, PractitionerProfile
from casework.directory.vocabulary import language_label, specialty_label
from casework.registry.models import RegistrationClaim, RegistrationStatus
from casework.registry.standing import platform_orders
from casework.registry.verification import meaning_of


@dataclass(frozen=True)
class Term:
    code: str
    label: str


@dataclass(frozen=True)
class RegistrationSummary:
    regulator_slug: str
    regulator_name: str
    regulator_website: str
    jurisdiction: str
    jurisdiction_name: str
    registration_number: str
    # The name as the register holds it.
    registered_name: str
    status: str
    status_label: str
    status_meaning: str
    practising: bool
    conditions: str
    # The regulator's orders on this platform (``registry.standing.PlatformOrders``).
    suspended_on_platform: bool
    platform_conditions: str
    valid_until: date | None
    read_at: datetime | None
    verification_path: str


@dataclass(frozen=True)
class ProfileSummary:
    slug: str
    practitioner_id: int
    # What pages call the practitioner (``display_names.name_to_show``).
    display_name: str
    # The name as the register holds it (of the first registration), shown beside it.
    registered_name: str
    # The practitioner's display name waits for review (or was refused): pages show the
    # registered name instead.
    display_name_held: bool
    path: str
    photo_path: str | None
    languages: list[Term]
    specialties: list[Term]
    modalities: list[Term]
    in_person_place: str
    funded: bool
    fee: Decimal | None
    fee_currency: str
    time_zone: str
    next_free_at: datetime | None
    registrations: list[RegistrationSummary]
    bio_html: str


def _registration(claim: RegistrationClaim) -> RegistrationSummary:
    entry = claim.entry
    assert entry is not None  # noqa: S101  (a verified claim has its entry: a DB constraint)
    regulator = claim.regulator
    orders = platform_orders(claim)  # annotated by queries.verified_claims
    return RegistrationSummary(
        regulator_slug=regulator.slug,
        regulator_name=str(regulator),  # the label: tells apart regulators of one name
        regulator_website=regulator.website,
        jurisdiction=regulator.jurisdiction_id,
        jurisdiction_name=regulator.jurisdiction.label,
        registration_number=entry.registration_number,
        registered_name=entry.name,
        status=entry.status,
        status_label=str(RegistrationStatus(entry.status).label),
        status_meaning=str(meaning_of(entry, orders)),
        practising=bool(getattr(claim, "practising", False)),
        conditions=entry.conditions,
        suspended_on_platform=orders.suspended,
        platform_conditions=orders.conditions,
        valid_until=entry.valid_until,
        read_at=regulator.register_read_at,
        verification_path=reverse(
            "registry:verification",
            kwargs={"regulator": regulator.slug, "number": entry.registration_number},
        ),
    )


def summarise(profile: PractitionerProfile, *, with_bio: bool = False) -> ProfileSummary:
    """``profile`` must come from ``queries.with_profile_details`` (its rows are prefetched).
    Lists leave the bio out (``find_practitioners`` does not even read it)."""
    languages = sorted(
        (Term(row.code, language_label(row.code)) for row in profile.language_rows.all()),
        key=lambda term: term.label.casefold(),
    )
    specialties = [
        Term(row.code, specialty_label(row.code)) for row in profile.specialty_rows.all()
    ]
    order = list(Modality.values)
    modalities = [
        Term(row.modality, str(Modality(row.modality).label))
        for row in sorted(profile.modality_rows.all(), key=lambda row: order.index(row.modality))
    ]
    claims: list[RegistrationClaim] = getattr(profile.practitioner, "verified_claims", [])
    registrations = [_registration(claim) for claim in claims]
    register_names = [registration.registered_name for registration in registrations]
    shown = name_to_show(
        display_name=profile.display_name,
        approved_display_name=profile.approved_display_name,
        register_names=register_names,
    )
    return ProfileSummary(
        slug=profile.slug,
        practitioner_id=profile.practitioner_id,
        display_name=shown,
        registered_name=register_names[0] if register_names else "",
        display_name_held=shown != profile.display_name,
        path=reverse("directory:profile", kwargs={"slug": profile.slug}),
        photo_path=(
            reverse("directory:photo", kwargs={"slug": profile.slug}) if profile.photo else None
        ),
        languages=languages,
        specialties=specialties,
        modalities=modalities,
        in_person_place=profile.in_person_place,
        funded=profile.funded,
        fee=profile.fee,
        fee_currency=profile.fee_currency,
        time_zone=profile.practitioner.time_zone,
        next_free_at=getattr(profile, "next_free_at", None),
        registrations=registrations,
        bio_html=profile.bio_html if with_bio else "",
    )

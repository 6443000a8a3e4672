"""Who may see which profile: one place for views and the API.

A listed profile is public. An unlisted one (not published, or its practitioner not in good
standing) exists only for its owner, who may preview it; to anyone else it answers 404, the
same as a profile that never existed.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from casework.accounts.models import Role, User
from casework.directory.models import PractitionerProfile
from casework.directory.queries import (
    profiles_with_listing,
    with_next_free_slot,
    with_profile_details,
)
from casework.registry.models import RegistrationClaim


def get_profile_for_viewer(viewer: object, slug: str) -> PractitionerProfile:
    """The profile at ``slug``, annotated ``listed``, with its details prefetched."""
    return _visible_profile(viewer, profiles_with_listing().filter(slug=slug))


def get_practitioners_profile_for_viewer(
    viewer: object, practitioner_id: int
) -> PractitionerProfile:
    """As ``get_profile_for_viewer``, found by its practitioner's id (as the API names them)."""
    return _visible_profile(viewer, profiles_with_listing().filter(practitioner_id=practitioner_id))


def _visible_profile(
    viewer: object, profiles: QuerySet[PractitionerProfile]
) -> PractitionerProfile:
    profile = with_profile_details(with_next_free_slot(profiles, now=timezone.now())).first()
    if profile is None:
        raise Http404
    if not profile.listed and not _owns(viewer, profile):  # type: ignore[attr-defined]
        raise Http404
    return profile


def get_photo_profile_for_viewer(viewer: object, slug: str) -> PractitionerProfile:
    """As ``get_profile_for_viewer``, without the details a photo does not need."""
    profile = profiles_with_listing().filter(slug=slug).first()
    if profile is None or not profile.photo:
        raise Http404
    if not profile.listed and not _owns(viewer, profile):  # type: ignore[attr-defined]
        raise Http404
    return profile


def get_own_profile(person: User) -> PractitionerProfile | None:
    return with_profile_details(profiles_with_listing().filter(practitioner=person)).first()


def _owns(viewer: object, profile: PractitionerProfile) -> bool:
    return isinstance(viewer, User) and viewer.pk == profile.practitioner_id


def display_names_to_review(person: User) -> QuerySet[PractitionerProfile]:
    """Display names waiting for review: by officers of a regulator the practitioner holds a
    verified registration with, and by platform admins."""
    waiting = PractitionerProfile.objects.filter(display_name_review_since__isnull=False)
    if person.role == Role.ADMIN:
        return waiting
    if person.role == Role.OFFICER:
        return waiting.filter(
            practitioner__registration_claims__state=RegistrationClaim.State.VERIFIED,
            practitioner__registration_claims__regulator__officers__officer=person,
        ).distinct()
    return waiting.none()


def get_display_name_for_reviewer(person: User, profile_id: int) -> PractitionerProfile:
    profile = (
        display_names_to_review(person).select_related("practitioner").filter(pk=profile_id).first()
    )
    if profile is None:
        raise Http404
    return profile

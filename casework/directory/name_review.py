"""Display names that need a reviewer before they show: flagged when the profile is saved or
the practitioner's verified registrations change, decided by an officer of a regulator the
practitioner is registered with, or by an admin, with the reason in the audit log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.directory.display_names import display_name_allowed
from casework.directory.models import PractitionerProfile
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import RegisterEntry, RegistrationClaim
from casework.shell.page_cache import renew_public_pages


def registered_names(practitioner_id: int) -> list[str]:
    """The names the register holds for the practitioner's verified registrations."""
    return list(
        RegisterEntry.objects.filter(
            claims__practitioner_id=practitioner_id,
            claims__state=RegistrationClaim.State.VERIFIED,
        )
        .order_by("claims__pk")
        .values_list("name", flat=True)
    )


def flag_display_name(profile: PractitionerProfile) -> None:
    """Set or clear the profile's wait for review (inside the caller's transaction). A name
    waits when there is a registered name to compare with, it does not carry its family name
    and no reviewer approved it."""
    names = registered_names(profile.practitioner_id)
    waits = bool(names) and not display_name_allowed(
        display_name=profile.display_name,
        approved_display_name=profile.approved_display_name,
        register_names=names,
    )
    since = (profile.display_name_review_since or timezone.now()) if waits else None
    if since != profile.display_name_review_since:
        profile.display_name_review_since = since
        PractitionerProfile.objects.filter(pk=profile.pk).update(display_name_review_since=since)
        # A name waiting for review is shown as its registered name: a visitor's next page too.
        renew_public_pages()
        if waits:
            record_event(
                action=actions.DIRECTORY_DISPLAY_NAME_REVIEW_REQUESTED,
                target=profile,
                subject_id=profile.practitioner_id,
            )


def decide_display_name(
    *, profile: PractitionerProfile, reviewer: User, approve: bool, reason: str
) -> PractitionerProfile:
    """Approve the display name (it shows beside the registered name) or refuse it (the
    registered name alone shows until the practitioner changes it)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for your decision: the practitioner reads it."))
    with transaction.atomic():
        profile = PractitionerProfile.objects.select_for_update().get(pk=profile.pk)
        if profile.display_name_review_since is None:
            raise ValidationError(_("This display name is not waiting for review."))
        if approve:
            profile.approved_display_name = profile.display_name
        profile.display_name_review_since = None
        profile.save(update_fields=["approved_display_name", "display_name_review_since"])
        renew_public_pages()  # a visitor's next page shows it
        record_event(
            action=(
                actions.DIRECTORY_DISPLAY_NAME_APPROVED
                if approve
                else actions.DIRECTORY_DISPLAY_NAME_REFUSED
            ),
            actor=reviewer,
            target=profile,
            subject_id=profile.practitioner_id,
            reason=reason,
            detail={"display_name": profile.display_name},
        )
    return profile

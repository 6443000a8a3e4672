"""A regulator's orders on the platform: suspend a registration's listing at once, lift the
suspension, set or lift conditions of practice.

Each is the word of an officer of the registration's regulator, with a reason the practitioner
reads; each is audited, and takes effect in the same transaction as everything that follows
from it: standing (``standing.py`` reads active suspensions), so the directory, booking and new
enquiries; the credential's status list (``credentials.service.sync_credential_status``); and
``StandingChanged``, whose reactions tell the practitioner's clients as for a register change.
``RegistrationOrderChanged`` then tells the practitioner and the regulator's own system.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.events.catalogue import RegistrationOrderChanged
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.credentials import service as credentials
from casework.registry.models import (
    PlatformRestriction,
    RegisterEntry,
    RegistrationClaim,
    RegulatorOfficer,
)
from casework.registry.standing import announce_standing_changed

Kind = PlatformRestriction.Kind

# Conditions are shown to the public as written: long enough for a real order, no longer.
CONDITIONS_MAX_CHARS = 2000
REASON_MAX_CHARS = 4000


# What the audit log calls each change of a listing's standing.
RESTRICTION_ACTIONS = {
    "suspended": actions.REGISTRY_REGISTRATION_SUSPENDED,
    "conditions_set": actions.REGISTRY_REGISTRATION_CONDITIONS_SET,
    "suspension_lifted": actions.REGISTRY_REGISTRATION_SUSPENSION_LIFTED,
    "conditions_lifted": actions.REGISTRY_REGISTRATION_CONDITIONS_LIFTED,
}


def _check_officer(officer: User, entry: RegisterEntry) -> None:
    if (
        officer.role != Role.OFFICER
        or not RegulatorOfficer.objects.filter(
            officer=officer, regulator=entry.regulator_id
        ).exists()
    ):
        raise ValidationError(_("Only an officer of this regulator can do this."))


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason: the practitioner reads it."))
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            _("The reason can be at most %(count)d characters.") % {"count": REASON_MAX_CHARS}
        )
    return reason


def _locked_entry(entry: RegisterEntry) -> RegisterEntry:
    # One order at a time per registration: the entry's row lock (the one claims take first).
    return RegisterEntry.objects.select_for_update().select_related("regulator").get(pk=entry.pk)


def _follow(entry: RegisterEntry, restriction: PlatformRestriction, change: str) -> None:
    """What follows an order, in its transaction: credentials, standing, and the event."""
    for claim in RegistrationClaim.objects.filter(
        entry=entry, state=RegistrationClaim.State.VERIFIED
    ).select_related("practitioner"):
        credentials.sync_credential_status(claim=claim)
        announce_standing_changed(claim.practitioner, f"regulator_{change}")
    emit(
        RegistrationOrderChanged(
            entry_id=entry.pk,
            regulator_id=entry.regulator_id,
            change=change,
            restriction_id=restriction.pk,
        )
    )


def _holder_id(entry: RegisterEntry) -> int | None:
    return (
        RegistrationClaim.objects.filter(entry=entry, state=RegistrationClaim.State.VERIFIED)
        .values_list("practitioner_id", flat=True)
        .first()
    )


def _impose(
    *, entry: RegisterEntry, officer: User, kind: str, reason: str, conditions: str = ""
) -> PlatformRestriction:
    _check_officer(officer, entry)
    reason = _clean_reason(reason)
    with transaction.atomic():
        entry = _locked_entry(entry)
        if entry.platform_restrictions.filter(kind=kind, lifted_at__isnull=True).exists():
            if kind == Kind.SUSPENSION:
                raise ValidationError(_("This listing is already suspended."))
            raise ValidationError(_("Lift the current conditions before setting new ones."))
        restriction = PlatformRestriction.objects.create(
            entry=entry,
            kind=kind,
            conditions=conditions,
            reason=reason,
            imposed_by=officer,
            imposed_at=timezone.now(),
        )
        change = "suspended" if kind == Kind.SUSPENSION else "conditions_set"
        record_event(
            action=RESTRICTION_ACTIONS[change],
            actor=officer,
            target=restriction,
            subject_id=_holder_id(entry),
            reason=reason,
            detail={"entry": entry.pk, "regulator": entry.regulator.slug},
        )
        _follow(entry, restriction, change)
    return restriction


def suspend_listing(*, entry: RegisterEntry, officer: User, reason: str) -> PlatformRestriction:
    """Suspend the registration's listing on the platform at once: the directory, booking,
    new enquiries and the credential's status list follow in this transaction."""
    return _impose(entry=entry, officer=officer, kind=Kind.SUSPENSION, reason=reason)


def set_conditions(
    *, entry: RegisterEntry, officer: User, conditions: str, reason: str
) -> PlatformRestriction:
    """Record conditions of practice, shown on the public verification page and the profile.
    The practitioner may practise within them: the listing stays."""
    conditions = conditions.strip()
    if not conditions:
        raise ValidationError(_("Write the conditions as the public should read them."))
    if len(conditions) > CONDITIONS_MAX_CHARS:
        raise ValidationError(
            _("Conditions can be at most %(count)d characters.") % {"count": CONDITIONS_MAX_CHARS}
        )
    return _impose(
        entry=entry, officer=officer, kind=Kind.CONDITIONS, reason=reason, conditions=conditions
    )


def _lift(*, entry: RegisterEntry, officer: User, kind: str, reason: str) -> PlatformRestriction:
    _check_officer(officer, entry)
    reason = _clean_reason(reason)
    with transaction.atomic():
        entry = _locked_entry(entry)
        restriction = (
            entry.platform_restrictions.select_for_update()
            .filter(kind=kind, lifted_at__isnull=True)
            .first()
        )
        if restriction is None:
            if kind == Kind.SUSPENSION:
                raise ValidationError(_("This listing is not suspended."))
            raise ValidationError(_("This registration has no conditions to lift."))
        restriction.lifted_at, restriction.lifted_by = timezone.now(), officer
        restriction.lift_reason = reason
        restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        change = "suspension_lifted" if kind == Kind.SUSPENSION else "conditions_lifted"
        record_event(
            action=RESTRICTION_ACTIONS[change],
            actor=officer,
            target=restriction,
            subject_id=_holder_id(entry),
            reason=reason,
            detail={"entry": entry.pk, "regulator": entry.regulator.slug},
        )
        _follow(entry, restriction, change)
    return restriction


def lift_suspension(*, entry: RegisterEntry, officer: User, reason: str) -> PlatformRestriction:
    return _lift(entry=entry, officer=officer, kind=Kind.SUSPENSION, reason=reason)


def lift_conditions(*, entry: RegisterEntry, officer: User, reason: str) -> PlatformRestriction:
    return _lift(entry=entry, officer=officer, kind=Kind.CONDITIONS, reason=reason)


def active_restrictions(entry: RegisterEntry) -> dict[str, PlatformRestriction]:
    """The entry's active orders by kind."""
    return {
        restriction.kind: restriction
        for restriction in entry.platform_restrictions.filter(lifted_at__isnull=True)
    }


def platform_conditions_of(practitioner: User) -> dict[tuple[str, str], str]:
    """The conditions officers set on the practitioner's verified registrations, by
    (regulator slug, registration number): one query, for the profile page."""
    return {
        (slug, number): conditions
        for slug, number, conditions in PlatformRestriction.objects.filter(
            kind=Kind.CONDITIONS,
            lifted_at__isnull=True,
            entry__claims__practitioner=practitioner,
            entry__claims__state=RegistrationClaim.State.VERIFIED,
        ).values_list("entry__regulator__slug", "entry__registration_number", "conditions")
    }


def orders_on_registrations_of(practitioner: User) -> list[PlatformRestriction]:
    """Every order, in force or lifted, on the registrations the practitioner holds, newest
    first, with the officer's reasons: the practitioner's registrations page explains them."""
    return list(
        PlatformRestriction.objects.filter(
            entry__claims__practitioner=practitioner,
            entry__claims__state=RegistrationClaim.State.VERIFIED,
        )
        .select_related("entry", "entry__regulator", "entry__regulator__jurisdiction")
        .distinct()
        .order_by("-imposed_at", "-pk")
    )

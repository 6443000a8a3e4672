"""A practitioner's standing: whether the registers let them practise at all, and where.

Listings and bookings read standing from here, never from a copy: a register reading that
suspends someone hides their listing and stops new bookings in the same transaction, with
nothing to keep in step. A practitioner is *in good standing* while at least one verified claim
points at a register entry in a practising status. This is the one definition of "verified":
a claim that matched the register but awaits proof of control, or that waits for review, counts
for nothing here, and so for no listing, booking, enquiry or credential.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from casework.accounts.models import User
from casework.events.catalogue import StandingChanged
from casework.events.outbox import emit
from casework.registry.models import (
    PRACTISING_STATUSES,
    Jurisdiction,
    PlatformRestriction,
    RegisterEntry,
    RegistrationClaim,
)
from casework.registry.practice import PracticeAnswer, may_practise_for


def announce_standing_changed(practitioner: User, reason: str) -> None:
    """Called inside the transaction that may have changed a practitioner's standing (a
    register reading, a claim verified or withdrawn): emits ``StandingChanged`` with the
    standing after the change; its reactions (scheduling tells the clients of upcoming
    appointments) follow the commit. ``reason`` is a short machine word such as
    "register_status" or "claim_withdrawn"."""
    # Its own transaction too: a caller applying a register reading without one (a script, a
    # test) still gets the event, written right after its change.
    with transaction.atomic():
        emit(
            StandingChanged(
                practitioner_id=practitioner.pk,
                in_good_standing=in_good_standing(practitioner),
                reason=reason,
            )
        )


def suspended_on_platform() -> Exists:
    """An ``Exists`` over register entries: a regulator officer suspended the entry's listing
    on this platform, and has not lifted the suspension."""
    return Exists(
        PlatformRestriction.objects.filter(
            entry=OuterRef("pk"),
            kind=PlatformRestriction.Kind.SUSPENSION,
            lifted_at__isnull=True,
        )
    )


def practising_entries_filter() -> Q:
    """Filter for register entries that let their verified holder practise: a practising
    status on the register, and no suspension by the regulator's officer on this platform."""
    return Q(
        claims__state=RegistrationClaim.State.VERIFIED,
        status__in=sorted(PRACTISING_STATUSES),
    ) & ~Q(suspended_on_platform())


def practising_entries(practitioner: User) -> list[RegisterEntry]:
    return list(
        RegisterEntry.objects.filter(
            practising_entries_filter(), claims__practitioner=practitioner
        ).select_related("regulator", "regulator__jurisdiction")
    )


def in_good_standing(practitioner: User) -> bool:
    return RegisterEntry.objects.filter(
        practising_entries_filter(), claims__practitioner=practitioner
    ).exists()


def in_good_standing_expression(practitioner_ref: str = "pk") -> Exists:
    """An ``Exists`` to annotate or filter a queryset of practitioners (or of rows pointing at
    one, with ``practitioner_ref`` naming the field) by standing, in the same query."""
    return Exists(
        RegisterEntry.objects.filter(
            practising_entries_filter(), claims__practitioner=OuterRef(practitioner_ref)
        )
    )


def may_practise_where(practitioner: User, client_in: Jurisdiction) -> PracticeAnswer:
    """May this practitioner work with a client in this place, on their verified registrations?"""
    return may_practise_for(practising_entries(practitioner), client_in)

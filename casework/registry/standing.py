"""A practitioner's standing: whether the registers let them practise at all, and where.

Listings and bookings read standing from here, never from a copy: a register reading that
suspends someone hides their listing and stops new bookings in the same transaction, with
nothing to keep in step. A practitioner is *in good standing* while at least one verified claim
points at a register entry in a practising status. This is the one definition of "verified":
a claim that matched the register but awaits proof of control, or that waits for review, counts
for nothing here, and so for no listing, booking, enquiry or credential.
"""

from django.db.models import Exists, OuterRef, Q
from django.dispatch import Signal

from casework.accounts.models import User
from casework.registry.models import (
    PRACTISING_STATUSES,
    Jurisdiction,
    RegisterEntry,
    RegistrationClaim,
)
from casework.registry.practice import PracticeAnswer, may_practise_for

# Sent inside the transaction that changed a practitioner's standing (a register reading, a
# claim verified or withdrawn). Receivers add their own consequences to that transaction, e.g.
# scheduling tells the clients of upcoming appointments. Arguments: ``practitioner`` (User),
# ``in_good_standing`` (bool after the change), ``reason`` (a short machine word such as
# "register_status" or "claim_withdrawn").
standing_changed = Signal()


def practising_entries_filter(prefix: str = "") -> Q:
    """Filter for register entries that let their verified holder practise."""
    return Q(
        **{
            f"{prefix}claims__state": RegistrationClaim.State.VERIFIED,
            f"{prefix}status__in": sorted(PRACTISING_STATUSES),
        }
    )


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

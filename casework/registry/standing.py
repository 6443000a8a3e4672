"""A practitioner's standing: whether the registers let them practise at all, and where.

Listings and bookings read standing from here, never from a copy: a register reading that
suspends someone hides their listing and stops new bookings in the same transaction, with
nothing to keep in step. A practitioner is *in good standing* while at least one verified claim
points at a register entry in a practising status. This is the one definition of "verified":
a claim that matched the register but awaits proof of control, or that waits for review, counts
for nothing here, and so for no listing, booking, enquiry or credential.
"""

from dataclasses import dataclass
from typing import TypeVar, cast

from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

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
from casework.registry.practice import PracticeAnswer, Verdict, may_practise_for

Rows = TypeVar("Rows", bound=Model)


def announce_standing_changed(practitioner: User, reason: str) -> None:
    """Called inside the transaction that may have changed a practitioner's standing (a
    register reading, a claim verified or withdrawn): emits ``StandingChanged`` with the
    standing after the change; its reactions (scheduling tells the clients of upcoming
    appointments) follow the commit. ``reason`` is a short machine word such as
    "register_status" or "claim_withdrawn". Outside a transaction ``emit`` refuses: the
    event must commit with the change it announces."""
    emit(
        StandingChanged(
            practitioner_id=practitioner.pk,
            in_good_standing=in_good_standing(practitioner),
            reason=reason,
        )
    )


def suspended_on_platform(entry_ref: str = "pk") -> Exists:
    """An ``Exists`` over register entries (or rows pointing at one, ``entry_ref`` naming the
    field): a regulator officer suspended the entry's listing on this platform, and has not
    lifted the suspension."""
    return Exists(
        PlatformRestriction.objects.filter(
            entry=OuterRef(entry_ref),
            kind=PlatformRestriction.Kind.SUSPENSION,
            lifted_at__isnull=True,
        )
    )


def conditions_on_platform(entry_ref: str = "pk") -> Coalesce:
    """The conditions an officer set on the entry on this platform and has not lifted, or ""."""
    return Coalesce(
        Subquery(
            PlatformRestriction.objects.filter(
                entry=OuterRef(entry_ref),
                kind=PlatformRestriction.Kind.CONDITIONS,
                lifted_at__isnull=True,
            ).values("conditions")[:1]
        ),
        Value(""),
        output_field=TextField(),
    )


def with_platform_orders(rows: QuerySet[Rows], entry_ref: str = "pk") -> QuerySet[Rows]:
    """Annotate ``suspended_here`` and ``conditions_here`` (``PlatformOrders``) on register
    entries, or on rows pointing at one, in the same query: every public surface of a
    registration (badge, verification page and API, profile, directory) reads them."""
    return cast(
        QuerySet[Rows],
        rows.annotate(
            suspended_here=suspended_on_platform(entry_ref),
            conditions_here=conditions_on_platform(entry_ref),
        ),
    )


@dataclass(frozen=True)
class PlatformOrders:
    """A registration's active orders on this platform, as the public sees them: a suspension
    of its listing, and conditions of practice (the officer's reasons are not public)."""

    suspended: bool = False
    conditions: str = ""


def platform_orders(row: RegisterEntry | RegistrationClaim) -> PlatformOrders:
    """The orders on an entry (or a claim's entry): from ``with_platform_orders``'s
    annotations when the row has them (no query), otherwise read now (one query)."""
    if hasattr(row, "suspended_here"):
        return PlatformOrders(bool(row.suspended_here), getattr(row, "conditions_here", "") or "")
    entry_id = row.entry_id if isinstance(row, RegistrationClaim) else row.pk
    active = dict(
        PlatformRestriction.objects.filter(entry_id=entry_id, lifted_at__isnull=True).values_list(
            "kind", "conditions"
        )
    )
    return PlatformOrders(
        PlatformRestriction.Kind.SUSPENSION in active,
        active.get(PlatformRestriction.Kind.CONDITIONS, ""),
    )


def lets_practise(entry: RegisterEntry, orders: PlatformOrders) -> bool:
    """The registration lets its holder practise here: a practising status on the register,
    and no suspension of its listing on this platform."""
    return entry.status in PRACTISING_STATUSES and not orders.suspended


def may_practise_under(
    entry: RegisterEntry, orders: PlatformOrders, client_in: Jurisdiction
) -> PracticeAnswer:
    """The verification page's and API's answer for one registration: as ``may_practise_for``,
    except that a registration whose listing is suspended here lets its holder take no client
    on this platform, wherever they are."""
    if orders.suspended:
        return PracticeAnswer(
            Verdict.MAY_NOT_PRACTISE,
            _(
                "%(regulator)s has suspended this registration's listing on Casework: this "
                "person may take no new clients here until the regulator lifts it."
            )
            % {"regulator": str(entry.regulator)},
        )
    return may_practise_for([entry], client_in)


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


@dataclass(frozen=True)
class ConditionsInForce:
    """Conditions a client should read before they book or write: the register's, or those
    the regulator set on Casework, on one of the practitioner's practising registrations."""

    regulator: str
    conditions: str


def conditions_in_force(practitioner: User) -> list[ConditionsInForce]:
    """The conditions on the registrations that let the practitioner practise (one query)."""
    found = []
    for entry in with_platform_orders(
        RegisterEntry.objects.filter(practising_entries_filter(), claims__practitioner=practitioner)
        .select_related("regulator", "regulator__jurisdiction")
        .order_by("regulator__name", "pk")
    ):
        for conditions in (entry.conditions, entry.conditions_here):  # type: ignore[attr-defined]
            if conditions:
                found.append(ConditionsInForce(str(entry.regulator), conditions))
    return found

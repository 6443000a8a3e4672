"""Public verification: find register entries and describe them in plain words."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.registry.models import (
    RegisterEntry,
    RegistrationClaim,
    RegistrationStatus,
    Regulator,
)
from casework.registry.names import name_search_words, normalise_registration_number
from casework.registry.standing import PlatformOrders, with_platform_orders

# More words than a person's names have add nothing but work for the database.
MAX_NAME_WORDS = 8

MEANINGS: dict[str, Promise] = {
    RegistrationStatus.REGISTERED: _(
        "Registered: the regulator lists this person as a social worker who may practise."
    ),
    RegistrationStatus.CONDITIONS: _(
        "Registered with conditions: this person may practise, but only within the conditions "
        "the regulator has set (shown below)."
    ),
    RegistrationStatus.SUSPENDED: _(
        "Suspended: this person must not practise as a social worker until the suspension ends."
    ),
    RegistrationStatus.LAPSED: _(
        "Lapsed: the registration was not renewed. This person must not practise where "
        "registration is required until they renew."
    ),
    RegistrationStatus.REMOVED: _(
        "Removed: this person is no longer on the register and must not practise where "
        "registration is required."
    ),
    RegistrationStatus.NOT_IN_READING: _(
        "Not in the latest reading: the latest copy of the register Casework read does not list "
        "this registration. Until the register lists it again, Casework does not show it as "
        "practising; ask the regulator for its current status."
    ),
}

# Said instead of the register's meaning while an officer's suspension of the listing on this
# platform is in force: the register may still say "registered" (the suspension comes first).
SUSPENDED_HERE_MEANING = _(
    "Suspended on Casework: the regulator has suspended this person's listing on Casework. "
    "They take no new clients here until the regulator lifts the suspension."
)


def meaning_of(entry: RegisterEntry, orders: PlatformOrders) -> Promise:
    """What the registration means for a client, in plain words, orders on Casework first."""
    return SUSPENDED_HERE_MEANING if orders.suspended else MEANINGS[entry.status]


def find_entries(
    *, regulator: Regulator | None, number: str, name: str, limit: int = 20
) -> QuerySet[RegisterEntry]:
    """Matching entries, each annotated ``on_casework`` (a practitioner here holds it) and with
    its orders on this platform (``standing.with_platform_orders``)."""
    entries = with_platform_orders(
        RegisterEntry.objects.select_related("regulator", "regulator__jurisdiction")
    )
    if regulator is not None:
        entries = entries.filter(regulator=regulator)
    if number:
        entries = entries.filter(registration_number=normalise_registration_number(number))
    if name:
        words = name_search_words(name)
        if not words:
            return entries.none()
        # Each word starts a word of the folded key (" siobhan gallagher"): found whatever
        # its accents, case, hyphens, apostrophes and order, by a trigram index on PostgreSQL.
        for word in words[:MAX_NAME_WORDS]:
            entries = entries.filter(name_key__contains=f" {word}")
    held = RegistrationClaim.objects.filter(
        entry=OuterRef("pk"), state=RegistrationClaim.State.VERIFIED
    )
    return entries.annotate(on_casework=Exists(held)).order_by("name", "registration_number")[
        :limit
    ]


@dataclass(frozen=True)
class Holder:
    """The verified practitioner on Casework who holds a registration, if any."""

    display_name: str


def holder_of(entry: RegisterEntry) -> Holder | None:
    claim = (
        RegistrationClaim.objects.filter(entry=entry, state=RegistrationClaim.State.VERIFIED)
        .select_related("practitioner")
        .first()
    )
    return Holder(claim.practitioner.display_name) if claim else None


def entry_by_number(regulator_slug: str, number: str) -> RegisterEntry | None:
    """The entry, with its orders on this platform (``standing.with_platform_orders``)."""
    return (
        with_platform_orders(
            RegisterEntry.objects.select_related(
                "regulator", "regulator__jurisdiction", "source_import"
            )
        )
        .filter(
            regulator__slug=regulator_slug,
            registration_number=normalise_registration_number(number),
        )
        .first()
    )

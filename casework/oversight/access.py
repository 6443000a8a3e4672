"""Who may see which regulator's portal: one place for pages, exports and tasks.

An officer sees only the regulators they were invited to; platform administrators every one.
Anything else is answered 404, alike for a regulator that does not exist and one that is not
theirs, and for a registration of another regulator's register.
"""

from django.db.models import QuerySet
from django.http import Http404

from casework.accounts.models import User
from casework.registry.access import regulators_acted_on_by
from casework.registry.models import RegisterEntry, Regulator


def portal_regulators(person: User) -> QuerySet[Regulator]:
    return regulators_acted_on_by(person).select_related("jurisdiction").order_by("name")


def get_regulator_for_officer(person: User, slug: str) -> Regulator:
    regulator = portal_regulators(person).filter(slug=slug).first()
    if regulator is None:
        raise Http404
    return regulator


def get_entry_for_officer(person: User, entry_id: int) -> RegisterEntry:
    """A register entry of one of the person's regulators, held or claimed on the platform
    (an entry nobody here claims has no page in the portal)."""
    entry = (
        RegisterEntry.objects.select_related("regulator", "regulator__jurisdiction")
        .filter(
            pk=entry_id,
            regulator__in=regulators_acted_on_by(person),
            claims__isnull=False,
        )
        .distinct()
        .first()
    )
    if entry is None:
        raise Http404
    return entry

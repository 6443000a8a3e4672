"""Who may open what in privacy: a person's own data exports and erasure requests; the legal
holds of those who place them."""

import uuid

from django.db.models import QuerySet
from django.http import Http404

from casework.accounts.models import Role, User
from casework.privacy.holds import may_hold
from casework.privacy.rights_models import DataExport, LegalHold


def get_own_export(person: User, export_id: uuid.UUID | str) -> DataExport:
    """The person's own export; 404 alike for missing, malformed and someone else's."""
    try:
        key = uuid.UUID(str(export_id))
    except ValueError:
        raise Http404 from None
    found = DataExport.objects.filter(person=person, pk=key).select_related("data_key").first()
    if found is None:
        raise Http404
    return found


def holds_for(person: User) -> QuerySet[LegalHold]:
    """The legal holds ``person`` may see and lift: moderators and administrators all of them,
    a regulator officer those they placed; nobody else any."""
    if not may_hold(person):
        return LegalHold.objects.none()
    holds = LegalHold.objects.select_related("person", "case__client", "placed_by", "lifted_by")
    if person.role == Role.OFFICER:
        return holds.filter(placed_by=person)
    return holds


def get_hold_for_holder(person: User, hold_id: uuid.UUID | str) -> LegalHold:
    """A hold ``person`` may lift; 404 alike for missing, malformed and not theirs."""
    try:
        key = uuid.UUID(str(hold_id))
    except ValueError:
        raise Http404 from None
    found = holds_for(person).filter(pk=key).first()
    if found is None:
        raise Http404
    return found

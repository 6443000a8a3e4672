"""Who may open what in privacy: a person's own data exports and erasure requests; a case's
exports for a transfer, by the case's practitioner who asked and the client who answers; the
legal holds of those who place them."""

import uuid

from django.db.models import QuerySet
from django.http import Http404

from casework.accounts.models import Role, User
from casework.care.access import cases_of_client
from casework.care.models import Case
from casework.privacy.holds import may_hold
from casework.privacy.rights_models import DataExport, ExportStatus, LegalHold


def own_exports(person: User) -> QuerySet[DataExport]:
    """The exports of everything ``person`` holds, newest first: not the exports of a case
    they asked for as its practitioner (those are the case's, ``case_exports_of``)."""
    return DataExport.objects.filter(person=person, case__isnull=True)


def get_own_export(person: User, export_id: uuid.UUID | str) -> DataExport:
    """The person's own export; 404 alike for missing, malformed and someone else's."""
    try:
        key = uuid.UUID(str(export_id))
    except ValueError:
        raise Http404 from None
    found = own_exports(person).filter(pk=key).select_related("data_key").first()
    if found is None:
        raise Http404
    return found


def _uuid_or_404(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def case_exports_of(case: Case, person: User) -> QuerySet[DataExport]:
    """The exports of ``case`` (a case ``person`` holds, from care's
    ``get_case_for_practitioner``) that ``person`` asked for: a predecessor's stay theirs."""
    if case.practitioner_id != person.pk:
        return DataExport.objects.none()
    return DataExport.objects.filter(case=case, person=person)


def get_case_export_for_practitioner(
    person: User, case: Case, export_id: uuid.UUID | str
) -> DataExport:
    """One export of a case the person holds and asked for; 404 alike for missing,
    malformed, another case's and someone else's."""
    key = _uuid_or_404(export_id)
    found = case_exports_of(case, person).filter(pk=key).select_related("data_key").first()
    if found is None:
        raise Http404
    found.case = case
    return found


def get_case_export_for_client(person: User, export_id: uuid.UUID | str) -> DataExport:
    """An export of one of the client's own cases, for her to agree to or decline."""
    key = _uuid_or_404(export_id)
    found = (
        DataExport.objects.filter(pk=key, case__in=cases_of_client(person))
        .select_related("case__practitioner", "person")
        .first()
    )
    if found is None:
        raise Http404
    return found


def case_exports_asking(person: User) -> QuerySet[DataExport]:
    """Requests to export one of the client's cases that wait for her answer."""
    return (
        DataExport.objects.filter(case__in=cases_of_client(person), status=ExportStatus.ASKING)
        .select_related("person")
        .order_by("-requested_at")
    )


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

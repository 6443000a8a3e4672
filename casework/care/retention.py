"""Closed cases for the retention task (``casework.privacy.retention``): past its period, a
closed case's data key is destroyed, so its notes, emergency details, crisis plan, check-in
answers and break-glass reasons can never be read again; the case keeps its dates and status."""

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from casework.care.models import Case, CaseStatus
from casework.privacy.retention.classes import Candidate, Words, removes
from casework.vault.models import DataKey
from casework.vault.services import destroy_data_key


def closed_cases(started_before: datetime) -> Iterator[Candidate]:
    found = Case.objects.filter(
        status=CaseStatus.CLOSED,
        closed_at__lte=started_before,
        data_key__destroyed_at__isnull=True,
    ).values_list("pk", "client_location_id", "closed_at", "client_id", "practitioner_id")
    for pk, place, closed_at, client_id, practitioner_id in found.iterator():
        if closed_at is not None:  # always, by the filter; the type cannot say so
            yield Candidate(
                object_id=str(pk),
                jurisdiction=place,
                since=closed_at,
                people=(client_id, practitioner_id),
                case_id=str(pk),
            )


@removes(
    "closed_case",
    candidates=closed_cases,
    words=Words(
        what=_("Closed cases: case notes, emergency contact, crisis plan and check-in answers"),
        starts=_("from the day the case was closed"),
        removal=_(
            "The case's encryption key is destroyed, so none of it can be read again. Only its "
            "dates and status remain."
        ),
    ),
)
def shred_closed_cases(ids: list[str]) -> int:
    # Checked again here: a case reopened since it was found is not removed.
    keys = DataKey.objects.filter(
        pk__in=Case.objects.filter(pk__in=ids, status=CaseStatus.CLOSED).values("data_key_id"),
        destroyed_at__isnull=True,
    )
    shredded = 0
    for key in keys:
        destroy_data_key(data_key=key, actor=None, reason="retention: closed case past its period")
        shredded += 1
    return shredded

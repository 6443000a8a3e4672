"""Enquiries that never became a case, for the retention task (``casework.privacy.retention``):
past its period, a closed enquiry's data key is destroyed, so its messages and files can never
be read again."""

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from casework.messaging.models import Conversation
from casework.privacy.retention.classes import Candidate, Words, removes
from casework.vault.models import DataKey
from casework.vault.services import destroy_data_key


def closed_enquiries(started_before: datetime) -> Iterator[Candidate]:
    found = Conversation.objects.filter(
        kind=Conversation.Kind.ENQUIRY,
        state=Conversation.State.CLOSED,
        closed_at__lte=started_before,
        data_key__destroyed_at__isnull=True,
    ).values_list("pk", "client_jurisdiction_id", "closed_at", "client_id", "practitioner_id")
    for pk, place, closed_at, client_id, practitioner_id in found.iterator():
        if closed_at is not None:  # always, by the filter; the type cannot say so
            yield Candidate(
                object_id=str(pk),
                jurisdiction=place,
                since=closed_at,
                people=(client_id, practitioner_id),
            )


@removes(
    "closed_enquiry",
    candidates=closed_enquiries,
    words=Words(
        what=_("Enquiries that never became a case, with their messages and files"),
        starts=_("from the day the enquiry was closed"),
        removal=_(
            "The conversation's encryption key is destroyed, so its messages and files can "
            "never be read again."
        ),
    ),
)
def shred_closed_enquiries(ids: list[str]) -> int:
    # Checked again here: an enquiry that became a case since it was found is kept.
    keys = DataKey.objects.filter(
        conversations__in=Conversation.objects.filter(
            pk__in=ids, kind=Conversation.Kind.ENQUIRY, state=Conversation.State.CLOSED
        ),
        destroyed_at__isnull=True,
    ).distinct()
    shredded = 0
    for key in keys:
        destroy_data_key(
            data_key=key, actor=None, reason="retention: closed enquiry past its period"
        )
        shredded += 1
    return shredded

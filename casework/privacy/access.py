"""Who may open what in privacy: a person's own data exports and erasure requests only."""

import uuid

from django.http import Http404

from casework.accounts.models import User
from casework.privacy.rights_models import DataExport


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

"""The contact addresses a regulator's export gives for its registrants.

They are where one-time codes that prove control of a registration go, and nowhere else: no
page, API answer, preview or credential shows them, so they are kept out of the import's diff
and history and written here, a chunk of the reading at a time, after that chunk's entries, by
the same transaction.
"""

from collections.abc import Sequence

from django.db import connection

from casework.registry.importers.rows import RegisterRow
from casework.registry.models import RegisterEntry, Regulator

_UPDATE_CONTACT = "UPDATE registry_registerentry SET contact_email = %s WHERE id = %s"


def write_contact_addresses(regulator: Regulator, rows: Sequence[RegisterRow]) -> int:
    """Store the addresses of one chunk of the reading, once its entries are written (an
    address the export no longer gives is cleared; entries the reading does not have keep
    theirs); returns how many entries changed. The chunk's numbers are looked up in one query:
    a chunk is at most register_diff.READ_CHUNK rows, under SQLite's limit on variables."""
    addresses = {row.registration_number: row.contact_email for row in rows}
    stored = RegisterEntry.objects.filter(
        regulator=regulator, registration_number__in=list(addresses)
    ).values_list("pk", "registration_number", "contact_email")
    changed = [
        (addresses[number], pk) for pk, number, email in stored if email != addresses[number]
    ]
    if changed:
        with connection.cursor() as cursor:
            cursor.executemany(_UPDATE_CONTACT, changed)
    return len(changed)

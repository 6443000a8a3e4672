"""The contact addresses a regulator's export gives for its registrants.

They are where one-time codes that prove control of a registration go, and nowhere else: no
page, API answer, preview or credential shows them, so they are kept out of the import's diff
and history and written here, a chunk of the reading at a time, after that chunk's entries, by
the same transaction.
"""

import json
from collections.abc import Sequence

from django.db import connection

from casework.registry.importers.rows import RegisterRow
from casework.registry.models import Regulator

_STORED_SQLITE = (
    "SELECT id, registration_number, contact_email FROM registry_registerentry "
    "WHERE regulator_id = %s AND registration_number IN (SELECT value FROM json_each(%s))"
)
_STORED_POSTGRESQL = (
    "SELECT id, registration_number, contact_email FROM registry_registerentry "
    "WHERE regulator_id = %s AND registration_number = ANY(%s)"
)
_UPDATE_CONTACT = "UPDATE registry_registerentry SET contact_email = %s WHERE id = %s"


def write_contact_addresses(regulator: Regulator, rows: Sequence[RegisterRow]) -> int:
    """Store the addresses of one chunk of the reading, once its entries are written (an
    address the export no longer gives is cleared; entries the reading does not have keep
    theirs); returns how many entries changed."""
    addresses = {row.registration_number: row.contact_email for row in rows}
    if not addresses:
        return 0
    with connection.cursor() as cursor:
        # The numbers as one parameter, like register_diff.HeldRegister's lookup.
        if connection.vendor == "postgresql":
            cursor.execute(_STORED_POSTGRESQL, [regulator.pk, list(addresses)])
        else:
            cursor.execute(_STORED_SQLITE, [regulator.pk, json.dumps(list(addresses))])
        changed = [
            (addresses[number], pk)
            for pk, number, email in cursor.fetchall()
            if email != addresses[number]
        ]
        if changed:
            cursor.executemany(_UPDATE_CONTACT, changed)
    return len(changed)

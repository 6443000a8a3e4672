"""The contact addresses a regulator's export gives for its registrants.

They are where one-time codes that prove control of a registration go, and nowhere else: no
page, API answer, preview or credential shows them, so they are kept out of the import's diff
and history and written here after the entries, by the same transaction.
"""

from collections.abc import Iterable, Iterator

from casework.registry.importers.rows import RegisterRow
from casework.registry.models import RegisterEntry, Regulator

WRITE_BATCH = 1000
READ_CHUNK = 10_000


class ContactAddresses:
    """Collects each row's contact address as the rows stream past (``noting``), then writes
    the ones that changed (``write``). Held per registration number: bounded by the register."""

    def __init__(self) -> None:
        self._addresses: dict[str, str] = {}

    def noting(self, rows: Iterable[RegisterRow]) -> Iterator[RegisterRow]:
        for row in rows:
            self._addresses[row.registration_number] = row.contact_email
            yield row

    def write(self, regulator: Regulator) -> int:
        """Store the addresses of the reading (an address the export no longer gives is
        cleared); returns how many entries changed."""
        # The regulator's entries read in chunks and matched here, not an IN list of every
        # number in the reading: a register of 250,000 would pass SQLite's limit on variables.
        entries = (
            RegisterEntry.objects.filter(regulator=regulator)
            .values_list("pk", "registration_number", "contact_email")
            .iterator(chunk_size=READ_CHUNK)
        )
        changed = [
            RegisterEntry(pk=pk, contact_email=self._addresses[number])
            for pk, number, stored in entries
            if number in self._addresses and stored != self._addresses[number]
        ]
        RegisterEntry.objects.bulk_update(changed, ["contact_email"], batch_size=WRITE_BATCH)
        return len(changed)

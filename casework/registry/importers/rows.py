"""What a register export yields, row by row: a row we can use, or a bad row with its reason.

A problem with the whole file (not text, malformed CSV or JSON, no header, no entries) is not a
row: it raises ``UnreadableFile`` with a message that names the line where it was found.
"""

from dataclasses import dataclass
from datetime import date

from casework.registry.models import RegistrationStatus


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One register entry as read from the file, already in our vocabulary."""

    line: int
    registration_number: str
    name: str
    previous_names: tuple[str, ...]
    status: RegistrationStatus
    conditions: str
    valid_from: date | None
    valid_until: date | None
    # Where the regulator's export gives one: never published (see contact_addresses.py).
    contact_email: str = ""


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that cannot be used; ``reason`` says why in words an officer can act on."""

    line: int
    reason: str


class UnreadableFile(Exception):
    """The file as a whole cannot be read; nothing in it is used."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

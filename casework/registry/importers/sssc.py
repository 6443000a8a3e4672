"""Scottish Social Services Council (SSSC), the register of the social service workforce in
Scotland, including social workers.

The public register shows the name, the registration number, the part of the register (social
worker, ...), the town of employment and the registration status; it does not show conditions
or warnings, which are published with hearings and decisions (see regulators.toml).

The column layout, status words and dates below are this adapter's expectation of an SSSC
register export, modelled on what the public register shows. They are NOT the SSSC's published
export format: confirm them with the SSSC against a real export before relying on this adapter.

Expected columns (names compared without regard to case, spaces or punctuation; "Part of the
register" and "Town of employment" are ignored)::

    Registration number, Forenames, Surname, Registration status,
    Registered from, Registration expiry date

A single "Name" column may be given instead of Forenames and Surname. Dates are written
dd/mm/yyyy or "12 March 2024".

"Temporary Order" is deliberately not mapped: the register uses it for temporary suspension
and for temporary conditions orders alike, so a row with that bare word is reported as a bad
row; the export should say which order it is ("Temporary suspension order",
"Temporary conditions order").
"""

from django.utils.translation import gettext_lazy

from casework.registry.importers.base import CsvFormat
from casework.registry.models import RegistrationStatus

_S = RegistrationStatus


class Sssc(CsvFormat):
    name = "sssc"
    label = gettext_lazy("SSSC register export")
    description = "Columns as on the SSSC register, forenames and surname apart; day-first dates."
    regulators = ("sssc",)
    columns = {
        "registration_number": ("Registration number", "SSSC registration number", "Reg no"),
        "name": ("Name", "Full name"),
        "previous_names": ("Previous names", "Other names"),
        "status": ("Registration status", "Status"),
        "conditions": ("Conditions",),
        "valid_from": ("Registered from", "Date registered", "Registration date"),
        "valid_until": ("Registration expiry date", "Registered until", "Expiry date"),
    }
    name_parts = (("Forenames", "Forename", "First names"), ("Surname", "Last name"))
    status_words = {
        "Registered": _S.REGISTERED,
        "Suspended": _S.SUSPENDED,
        "Temporary suspension order": _S.SUSPENDED,
        "Temporary conditions order": _S.CONDITIONS,
        "Removed": _S.REMOVED,
        "Lapsed": _S.LAPSED,
    }
    date_formats = ("%d/%m/%Y", "%d %B %Y")

"""Social Work England (regulator of social workers in England).

The public register shows a registration number, the name, whether the registrant is subject to
conditions or sanctions (conditions of practice, suspension, removal) and a "registered until"
date (regulators.toml lists what it shows and where that was read).

The column layout and status words below are this adapter's expectation of a register export,
modelled on what the public register shows. They are NOT Social Work England's published
export format: confirm them with Social Work England against a real export before relying on
this adapter, and adjust the aliases here if their export differs.

Expected columns (names compared without regard to case, spaces or punctuation; other columns,
such as the postal town, are ignored)::

    Registration number, Name, Previous names, Registration status, Conditions,
    Registered from, Registered until

Dates are day first: dd/mm/yyyy (or dd-mm-yyyy). An entry shown as "Registered" that has
conditions listed is read as registered with conditions.
"""

from django.utils.translation import gettext_lazy

from casework.registry.importers.base import CsvFormat
from casework.registry.models import RegistrationStatus

_S = RegistrationStatus


class SocialWorkEngland(CsvFormat):
    name = "social-work-england"
    label = gettext_lazy("Social Work England register export")
    description = "Columns as on the Social Work England register; dates dd/mm/yyyy."
    regulators = ("social-work-england",)
    columns = {
        "registration_number": ("Registration number", "Registration no", "SWE number"),
        "name": ("Name", "Registered name", "Full name"),
        "previous_names": ("Previous names", "Former names"),
        "status": ("Registration status", "Status"),
        "conditions": ("Conditions", "Conditions of practice", "Sanctions"),
        "valid_from": ("Registered from", "Registration date", "First registered"),
        "valid_until": ("Registered until", "Registration expiry date", "Expiry date"),
    }
    status_words = {
        "Registered": _S.REGISTERED,
        "Registered with conditions": _S.CONDITIONS,
        "Conditions of practice order": _S.CONDITIONS,
        "Interim conditions of practice order": _S.CONDITIONS,
        "Suspended": _S.SUSPENDED,
        "Suspension order": _S.SUSPENDED,
        "Interim suspension order": _S.SUSPENDED,
        "Removed": _S.REMOVED,
        "Removal order": _S.REMOVED,
        "Lapsed": _S.LAPSED,
        "Not renewed": _S.LAPSED,
        "Voluntarily removed": _S.LAPSED,
    }
    date_formats = ("%d/%m/%Y", "%d-%m-%Y")
    conditions_imply_status = True

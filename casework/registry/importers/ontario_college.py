"""Ontario College of Social Workers and Social Service Workers (OCSWSSW).

The Online Register shows the name, registration number, previous names, class of certificate,
current status of registration, practising status, and terms, conditions and limitations
(see regulators.toml, which also records the status words of its glossary).

The column layout, status words and dates below are this adapter's expectation of an export of
the Online Register, modelled on what the register shows. They are NOT the College's published
export format: confirm them with the College against a real export before relying on this
adapter.

Expected columns (names compared without regard to case, spaces or punctuation; class of
certificate, employer and business address are ignored)::

    Registration Number, Name, Previous Name(s), Registration Status,
    Terms, Conditions and Limitations, Registration Date, Expiry Date

Dates are ISO style, yyyy-mm-dd (or yyyy/mm/dd). Previous names are separated by semicolons.
"Entitled to Practise" or "Active" with terms, conditions or limitations listed reads as
registered with conditions. Mappings follow the College's glossary cautiously: "Cancelled"
covers resignation and other causes and reads as removed; "Resigned" reads as lapsed;
"Not Entitled to Practise" is deliberately not mapped (it covers several situations) and is
reported as a bad row.
"""

from django.utils.translation import gettext_lazy

from casework.registry.importers.base import CsvFormat
from casework.registry.models import RegistrationStatus

_S = RegistrationStatus


class OntarioCollege(CsvFormat):
    name = "ontario-college"
    label = gettext_lazy("Ontario College (OCSWSSW) register export")
    description = "Columns as on the College's Online Register; dates yyyy-mm-dd."
    regulators = ("ca-on-ocswssw",)
    columns = {
        "registration_number": ("Registration Number", "Registration #", "Certificate Number"),
        "name": ("Name", "Member Name", "Full Name"),
        "previous_names": ("Previous Name(s)", "Previous Names", "Former Names"),
        "status": ("Registration Status", "Current Status", "Status"),
        "conditions": (
            "Terms, Conditions and Limitations",
            "Terms, Conditions & Limitations",
            "Conditions",
        ),
        "valid_from": ("Registration Date", "Initial Registration Date"),
        "valid_until": ("Expiry Date", "Certificate Expiry Date"),
    }
    status_words = {
        "Entitled to Practise": _S.REGISTERED,
        "Active": _S.REGISTERED,
        "Member": _S.REGISTERED,
        "Member in Good Standing": _S.REGISTERED,
        "Suspended": _S.SUSPENDED,
        "Resigned": _S.LAPSED,
        "Cancelled": _S.REMOVED,
        "Revoked": _S.REMOVED,
    }
    date_formats = ("%Y-%m-%d", "%Y/%m/%d")
    conditions_imply_status = True

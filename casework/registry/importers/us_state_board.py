"""United States state licensing boards for social work (California BBS, New York Office of the
Professions, Texas BHEC, Florida Board 491).

State boards publish licence look-ups showing the licence number, the licensee's name, the
licence status and its issue and expiration dates; discipline and probation appear as a status
or as public actions.

The column layout, status words and dates below are this adapter's expectation of a state
board's licence export (the kind of "licensee list" many boards publish), modelled on what
their look-ups show. They are NOT any board's published export format: confirm them with each
board against a real export before relying on this adapter.

Expected columns (names compared without regard to case, spaces or punctuation; licence type,
county and address are ignored)::

    License Number, First Name, Middle Name, Last Name, Suffix, License Status,
    Restrictions, Issue Date, Expiration Date

A single "Licensee Name" (or "Name") column may be given instead of the name parts. Dates are
month first: mm/dd/yyyy. Licences on probation or restricted read as registered with
conditions; expired, inactive or delinquent licences as lapsed; revoked or surrendered
licences as removed.
"""

from django.utils.translation import gettext_lazy

from casework.registry.importers.base import CsvFormat
from casework.registry.models import RegistrationStatus

_S = RegistrationStatus


class UsStateBoard(CsvFormat):
    name = "us-state-board"
    label = gettext_lazy("US state board licence export")
    description = "License number, name parts, license status; dates mm/dd/yyyy."
    regulators = ("us-ca-bbs", "us-ny-op-sw", "us-tx-bhec-sw", "us-fl-491-board")
    columns = {
        "registration_number": ("License Number", "License No", "Licence Number", "License #"),
        "name": ("Licensee Name", "Name", "Full Name"),
        "previous_names": ("Other Names", "Former Names", "AKA"),
        "status": ("License Status", "Licence Status", "Status"),
        "conditions": ("Restrictions", "License Restrictions", "Probation Terms"),
        "valid_from": ("Issue Date", "Original Issue Date", "License Issue Date"),
        "valid_until": ("Expiration Date", "License Expiration Date", "Expiry Date"),
    }
    name_parts = (
        ("First Name",),
        ("Middle Name", "Middle Initial"),
        ("Last Name",),
        ("Suffix", "Name Suffix"),
    )
    status_words = {
        "Active": _S.REGISTERED,
        "Current": _S.REGISTERED,
        "Clear": _S.REGISTERED,
        "Probation": _S.CONDITIONS,
        "Active - Probation": _S.CONDITIONS,
        "Active on Probation": _S.CONDITIONS,
        "Restricted": _S.CONDITIONS,
        "Active with Restrictions": _S.CONDITIONS,
        "Suspended": _S.SUSPENDED,
        "Expired": _S.LAPSED,
        "Inactive": _S.LAPSED,
        "Delinquent": _S.LAPSED,
        "Cancelled": _S.LAPSED,
        "Retired": _S.LAPSED,
        "Revoked": _S.REMOVED,
        "Surrendered": _S.REMOVED,
        "Voluntary Surrender": _S.REMOVED,
    }
    date_formats = ("%m/%d/%Y",)

"""Live caseload events over the channel layer: "something changed", never what.

The open caseload page reloads its table from the database with the practitioner's own
permissions when told, so no client detail passes through the channel layer (Redis).
"""

from casework.shell import layer_sends


def caseload_group(practitioner_id: int) -> str:
    return f"care.caseload.{practitioner_id}"


def announce_caseload_changed(practitioner_id: int) -> None:
    layer_sends.group_send(caseload_group(practitioner_id), {"type": "caseload.changed"})

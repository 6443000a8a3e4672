"""Live caseload events over the channel layer: "something changed", never what.

The open caseload page reloads its table from the database with the practitioner's own
permissions when told, so no client detail passes through the channel layer (Redis).
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def caseload_group(practitioner_id: int) -> str:
    return f"care.caseload.{practitioner_id}"


def announce_caseload_changed(practitioner_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(caseload_group(practitioner_id), {"type": "caseload.changed"})

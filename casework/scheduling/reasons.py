"""The reason given for cancelling, declining or missing an appointment, sealed.

People write things like "in hospital after an overdose" here, so the words are sealed under
the client's own data key (an erasure of the client destroys it), bound to the appointment.
The audit log only records that there was a reason. A reason stored before sealing (plain text)
is still read as it is, and sealed by migration 0005.
"""

from casework.vault import sealed_text


def reason_context(appointment_uid: object) -> str:
    return f"scheduling.appointment.end_reason:{appointment_uid}"


def seal_reason(*, client_id: int, appointment_uid: object, reason: str) -> str:
    """What the ``end_reason`` column holds for ``reason``: empty stays empty."""
    return sealed_text.seal_words_of(client_id, reason, context=reason_context(appointment_uid))


def open_reason(stored: str, *, appointment_uid: object) -> str:
    """The words of a stored reason; empty when there were none or they were erased."""
    return sealed_text.open_words(stored, context=reason_context(appointment_uid))

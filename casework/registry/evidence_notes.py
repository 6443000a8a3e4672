"""The note a practitioner adds to a claim's evidence, sealed.

It sits beside identity documents and may say as much ("my name changed after my divorce"), so
it is sealed like them: under the practitioner's own data key, bound to the claim. A note stored
before sealing (plain text) is still read as it is, and sealed by migration 0007.
"""

from casework.vault import sealed_text
from casework.vault.errors import DataKeyDestroyed
from casework.vault.services import data_key_for_owner


def note_context(claim_id: object) -> str:
    return f"registry.registrationclaim.evidence_note:{claim_id}"


def seal_note(*, practitioner_id: int, claim_id: object, note: str) -> str:
    """What the ``evidence_note`` column holds for ``note``: empty stays empty."""
    if not note:
        return ""
    return sealed_text.seal_text_under(
        data_key_for_owner(owner=f"person:{practitioner_id}"),
        note.encode("utf-8"),
        context=note_context(claim_id),
    )


def open_note(stored: str, *, claim_id: object) -> str:
    """The words of a stored note; empty when there were none or they were erased."""
    if not stored:
        return ""
    if not sealed_text.is_sealed_text(stored):
        return stored  # written before notes were sealed
    try:
        opened = sealed_text.open_text(stored, context=note_context(claim_id))
    except DataKeyDestroyed:
        return ""  # the practitioner was erased: the words are gone for good
    return opened.decode("utf-8")

"""The note a practitioner adds to a claim's evidence, sealed.

It sits beside identity documents and may say as much ("my name changed after my divorce"), so
it is sealed like them: under the practitioner's own data key, bound to the claim. A note stored
before sealing (plain text) is still read as it is, and sealed by migration 0007.
"""

from casework.vault import sealed_text


def note_context(claim_id: object) -> str:
    return f"registry.registrationclaim.evidence_note:{claim_id}"


def seal_note(*, practitioner_id: int, claim_id: object, note: str) -> str:
    """What the ``evidence_note`` column holds for ``note``: empty stays empty."""
    return sealed_text.seal_words_of(practitioner_id, note, context=note_context(claim_id))


def open_note(stored: str, *, claim_id: object) -> str:
    """The words of a stored note; empty when there were none or they were erased."""
    return sealed_text.open_words(stored, context=note_context(claim_id))

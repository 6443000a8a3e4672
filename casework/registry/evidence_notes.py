"""The note a practitioner adds to a claim's evidence, sealed.

It sits beside identity documents and may say as much ("my name changed after my divorce"), so
it is sealed like them: under the practitioner's own data key, bound to the claim. A note stored
before sealing (plain text) is still read as it is, and sealed by migration 0007.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from casework.vault import sealed_text
from casework.vault.errors import DataKeyDestroyed, VaultError
from casework.vault.models import DataKey

if TYPE_CHECKING:
    from casework.registry.models import RegistrationClaim


def note_context(claim_id: object) -> str:
    return f"registry.registrationclaim.evidence_note:{claim_id}"


def seal_note(*, practitioner_id: int, claim_id: object, note: str) -> str:
    """What the ``evidence_note`` column holds for ``note``: empty stays empty."""
    return sealed_text.seal_words_of(practitioner_id, note, context=note_context(claim_id))


def open_note(stored: str, *, claim_id: object) -> str:
    """The words of a stored note; empty when there were none or they were erased."""
    return sealed_text.open_words(stored, context=note_context(claim_id))


def open_notes(claims: Sequence["RegistrationClaim"]) -> dict[int, str | None]:
    """The notes of many claims by claim id, reading each data key once (a practitioner's
    export reads all their claims): empty when there was none or it was erased, None when it
    cannot be opened."""
    key_ids = {}
    for claim in claims:
        if sealed_text.is_sealed_text(claim.evidence_note):
            try:
                key_ids[claim.pk] = sealed_text.named_key_id(
                    claim.evidence_note, context=note_context(claim.pk)
                )
            except VaultError:
                continue
    keys = DataKey.objects.in_bulk(set(key_ids.values()))
    notes: dict[int, str | None] = {}
    for claim in claims:
        stored = claim.evidence_note
        if not stored or not sealed_text.is_sealed_text(stored):
            notes[claim.pk] = stored  # none, or written before notes were sealed
            continue
        key = keys.get(key_ids[claim.pk]) if claim.pk in key_ids else None
        if key is None:
            notes[claim.pk] = None
            continue
        try:
            opened = sealed_text.open_text_under(key, stored, context=note_context(claim.pk))
        except DataKeyDestroyed:
            notes[claim.pk] = ""  # the practitioner was erased: the words are gone for good
        except VaultError:
            notes[claim.pk] = None
        else:
            notes[claim.pk] = opened.decode("utf-8")
    return notes

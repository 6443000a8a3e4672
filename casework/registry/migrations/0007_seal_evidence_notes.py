"""Seal the evidence notes stored in plain text before they were sealed
(casework/registry/evidence_notes.py): a note sits beside identity documents and may say as
much about the person, and a plain column survives an erasure's crypto-shredding."""

from typing import Any

from django.db import migrations


def seal_plain_notes(apps: Any, schema_editor: Any) -> None:
    # The live sealing code: the vault's keys and the audit log are the current ones.
    from casework.registry.evidence_notes import seal_note
    from casework.vault.sealed_text import is_sealed_text

    claim_model = apps.get_model("registry", "RegistrationClaim")
    for claim in claim_model.objects.exclude(evidence_note="").only(
        "pk", "practitioner_id", "evidence_note"
    ):
        if is_sealed_text(claim.evidence_note):
            continue
        claim_model.objects.filter(pk=claim.pk).update(
            evidence_note=seal_note(
                practitioner_id=claim.practitioner_id, claim_id=claim.pk, note=claim.evidence_note
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_platform_restrictions"),
        ("vault", "0001_initial"),
        ("privacy", "0008_case_exports_for_a_transfer"),
    ]

    operations = [migrations.RunPython(seal_plain_notes, migrations.RunPython.noop)]

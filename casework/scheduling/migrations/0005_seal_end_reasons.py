"""Seal the reasons stored in plain text before they were sealed (casework/scheduling/reasons.py):
a reason may say something about someone's health, and a plain column survives an erasure's
crypto-shredding in every backup."""

from typing import Any

from django.db import migrations


def seal_plain_reasons(apps: Any, schema_editor: Any) -> None:
    # The live sealing code: the vault's keys and the audit log are the current ones.
    from casework.scheduling.reasons import seal_reason
    from casework.vault.sealed_text import is_sealed_text

    appointment_model = apps.get_model("scheduling", "Appointment")
    for appointment in appointment_model.objects.exclude(end_reason="").only(
        "pk", "uid", "client_id", "end_reason"
    ):
        if is_sealed_text(appointment.end_reason):
            continue
        appointment_model.objects.filter(pk=appointment.pk).update(
            end_reason=seal_reason(
                client_id=appointment.client_id,
                appointment_uid=appointment.uid,
                reason=appointment.end_reason,
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0004_reminder_emailed_per_party"),
        ("vault", "0001_initial"),
        ("privacy", "0008_case_exports_for_a_transfer"),
    ]

    operations = [migrations.RunPython(seal_plain_reasons, migrations.RunPython.noop)]

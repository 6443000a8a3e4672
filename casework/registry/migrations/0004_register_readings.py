import re
import unicodedata

from django.db import migrations, models

LIVE_CLAIM_STATES = ("verified", "pending")


def _without_format_characters(text):
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def _number(text):
    return re.sub(r"\s+", "", _without_format_characters(text)).upper()


def _name(text):
    return " ".join(_without_format_characters(text).split())


def clean_numbers_and_names(apps, schema_editor):
    """Registration numbers and names read before format characters (zero-width spaces...) were
    dropped are cleaned as a reading now cleans them, so the next reading finds them. A number
    whose clean form another entry (or claim) already has is left for an officer to see."""
    RegisterEntry = apps.get_model("registry", "RegisterEntry")
    RegistrationClaim = apps.get_model("registry", "RegistrationClaim")
    rows = RegisterEntry.objects.values_list(
        "pk", "regulator_id", "registration_number", "name", "previous_names"
    )
    for pk, regulator_id, number, name, previous in rows.iterator(chunk_size=2000):
        previous = previous or []
        if number.isascii() and name.isascii() and all(p.isascii() for p in previous):
            continue
        changes = {"name": _name(name), "previous_names": [_name(p) for p in previous]}
        clean = _number(number)
        taken = RegisterEntry.objects.filter(regulator_id=regulator_id, registration_number=clean)
        if clean != number and clean and not taken.exists():
            changes["registration_number"] = clean
        RegisterEntry.objects.filter(pk=pk).update(**changes)

    claims = RegistrationClaim.objects.values_list(
        "pk", "practitioner_id", "regulator_id", "registration_number", "state"
    )
    for pk, practitioner_id, regulator_id, number, state in claims.iterator(chunk_size=2000):
        clean = _number(number)
        if number.isascii() or clean == number or not clean:
            continue
        same = RegistrationClaim.objects.filter(regulator_id=regulator_id, registration_number=clean)
        if state in LIVE_CLAIM_STATES and (
            same.filter(practitioner_id=practitioner_id, state__in=LIVE_CLAIM_STATES).exists()
            or (state == "verified" and same.filter(state="verified").exists())
        ):
            continue
        RegistrationClaim.objects.filter(pk=pk).update(registration_number=clean)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_agreement_direction"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="registerentry",
            name="registry_entry_status",
        ),
        migrations.AddField(
            model_name="registerimport",
            name="withdrawals_confirmed",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="registerentry",
            name="status",
            field=models.CharField(
                choices=[
                    ("registered", "Registered"),
                    ("conditions", "Registered with conditions"),
                    ("suspended", "Suspended"),
                    ("lapsed", "Lapsed"),
                    ("removed", "Removed"),
                    ("absent", "Not in the latest reading"),
                ],
                max_length=12,
            ),
        ),
        migrations.AddConstraint(
            model_name="registerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        ["registered", "conditions", "suspended", "lapsed", "removed", "absent"],
                    )
                ),
                name="registry_entry_status",
            ),
        ),
        migrations.RunPython(clean_numbers_and_names, migrations.RunPython.noop),
    ]

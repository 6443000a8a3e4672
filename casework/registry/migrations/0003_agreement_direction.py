"""Practice agreements get a direction (who may practise where); register entries a folded
name key for the verification search, indexed by trigrams on PostgreSQL; regulators a label
that tells apart regulators of the same name.

Existing agreements get the direction "none" (they let nobody practise elsewhere) until
``manage.py load_registry_data`` loads their reviewed direction, so that no agreement ever
applies both ways. Existing entries get their name key and regulators their label here.
"""

import casework.registry.models
from django.db import migrations, models

from casework.registry.names import name_search_key
from casework.registry.reference_data import regulator_labels

BATCH = 2000

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # LIKE '% word%' on the key uses it (verification.find_entries).
    "CREATE INDEX registry_entry_name_key_trigram ON registry_registerentry "
    "USING gin (name_key gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS registry_entry_name_key_trigram"]


def _trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)


def _drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


def _fill_name_keys(apps, schema_editor):
    RegisterEntry = apps.get_model("registry", "RegisterEntry")
    last = 0
    while True:
        batch = list(
            RegisterEntry.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "name", "previous_names")[:BATCH]
        )
        if not batch:
            return
        for entry in batch:
            entry.name_key = name_search_key(entry.name, *(entry.previous_names or []))
        RegisterEntry.objects.bulk_update(batch, ["name_key"])
        last = batch[-1].pk


def _no_direction_yet(apps, schema_editor):
    # Until load_registry_data gives them their reviewed direction, agreements let nobody
    # practise elsewhere (rather than everybody everywhere, as before).
    PracticeAgreement = apps.get_model("registry", "PracticeAgreement")
    PracticeAgreement.objects.update(direction="none", operational=False)


def _fill_labels(apps, schema_editor):
    Regulator = apps.get_model("registry", "Regulator")
    regulators = list(Regulator.objects.select_related("jurisdiction"))
    labels = regulator_labels([(r.slug, r.name, r.jurisdiction.name) for r in regulators])
    for regulator in regulators:
        regulator.label = labels[regulator.slug]
        regulator.save(update_fields=["label"])


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0002_credential_offers'),
    ]

    operations = [
        migrations.AddField(
            model_name='practiceagreement',
            name='direction',
            field=models.CharField(choices=[('mutual', 'Mutual'), ('one_way', 'One way'), ('none', 'Lets no one practise elsewhere')], default='none', max_length=8),
        ),
        migrations.AddField(
            model_name='practiceagreement',
            name='practise_in',
            field=models.ManyToManyField(blank=True, related_name='agreements_to_practise_in', to='registry.jurisdiction'),
        ),
        migrations.AddField(
            model_name='practiceagreement',
            name='registrants_of',
            field=models.ManyToManyField(blank=True, related_name='agreements_for_registrants', to='registry.jurisdiction'),
        ),
        migrations.AddField(
            model_name='registerentry',
            name='name_key',
            field=casework.registry.models.NameSearchKeyField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='regulator',
            name='label',
            field=models.CharField(blank=True, max_length=260, verbose_name='label'),
        ),
        migrations.RunPython(_no_direction_yet, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='practiceagreement',
            constraint=models.CheckConstraint(condition=models.Q(('direction__in', ['mutual', 'one_way', 'none'])), name='registry_agreement_direction'),
        ),
        migrations.AddConstraint(
            model_name='practiceagreement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('direction', 'none'), _negated=True), ('operational', False), _connector='OR'), name='registry_agreement_without_direction_not_operational'),
        ),
        migrations.RunPython(_fill_name_keys, migrations.RunPython.noop),
        migrations.RunPython(_fill_labels, migrations.RunPython.noop),
        migrations.RunPython(_trigram_index, _drop_trigram_index),
    ]

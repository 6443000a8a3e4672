# Events are appended without a chain head (seq is the database's own counter) and sealed in
# batches afterwards; see casework/privacy/sealing.py. Events recorded before are kept with their
# numbers and sealed by the first run of the sealer (verify the old chain before upgrading).

import django.db.models.deletion
from django.db import migrations, models


def _continue_numbering(apps, schema_editor):  # type: ignore[no-untyped-def]
    # PostgreSQL's new identity counter starts at 1; new events follow the kept ones instead.
    # (SQLite's AUTOINCREMENT already counts from the highest number it copied.)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "SELECT setval(pg_get_serial_sequence('privacy_auditevent', 'seq'), "
            "COALESCE(MAX(seq), 0) + 1, false) FROM privacy_auditevent"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('privacy', '0002_append_only'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('number', models.PositiveBigIntegerField(editable=False, primary_key=True, serialize=False)),
                ('sealed_at', models.DateTimeField(editable=False)),
                ('size', models.PositiveIntegerField(editable=False)),
                ('root', models.CharField(editable=False, max_length=64)),
                ('previous', models.CharField(editable=False, max_length=64)),
                ('chain', models.CharField(editable=False, max_length=64)),
                ('mac', models.CharField(editable=False, max_length=64)),
            ],
            options={
                'verbose_name': 'audit seal',
                'verbose_name_plural': 'audit seals',
                'ordering': ['number'],
            },
        ),
        migrations.CreateModel(
            name='AuditSealedEvent',
            fields=[
                ('event_seq', models.BigIntegerField(editable=False, primary_key=True, serialize=False)),
                ('position', models.PositiveIntegerField(editable=False)),
                ('leaf_hash', models.CharField(editable=False, max_length=64)),
                ('mac', models.CharField(editable=False, max_length=64)),
            ],
            options={
                'ordering': ['seal', 'position'],
            },
        ),
        migrations.DeleteModel(
            name='AuditChainHead',
        ),
        migrations.RemoveField(
            model_name='auditevent',
            name='hash',
        ),
        migrations.RemoveField(
            model_name='auditevent',
            name='id',
        ),
        migrations.RemoveField(
            model_name='auditevent',
            name='prev_hash',
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='seq',
            field=models.BigAutoField(editable=False, primary_key=True, serialize=False),
        ),
        migrations.RunPython(_continue_numbering, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='auditseal',
            constraint=models.CheckConstraint(condition=models.Q(('size__gt', 0)), name='seal_size'),
        ),
        migrations.AddField(
            model_name='auditsealedevent',
            name='seal',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='leaves', to='privacy.auditseal'),
        ),
        migrations.AddConstraint(
            model_name='auditsealedevent',
            constraint=models.UniqueConstraint(fields=('seal', 'position'), name='one_leaf_per_position'),
        ),
    ]

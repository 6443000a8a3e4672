"""Webhook deliveries become records of each notification's sending (status, tries, the last
answer, the next try), made before the call instead of after it: deliveries kept from before
were all accepted, so they are marked delivered."""

from django.db import migrations, models
from django.db.models import F


def created_when_delivered(apps, schema_editor):  # type: ignore[no-untyped-def]
    WebhookDelivery = apps.get_model("oversight", "WebhookDelivery")
    WebhookDelivery.objects.update(created_at=F("delivered_at"), attempts=1)


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0001_invitations_and_webhooks"),
    ]

    operations = [
        migrations.RenameField(
            model_name="webhookdelivery", old_name="status_code", new_name="last_response_code"
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="last_response_code",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="delivered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="payload",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("waiting", "Waiting to be sent"),
                    ("failed", "Not accepted yet: will be tried again"),
                    ("delivered", "Delivered"),
                    ("gave_up", "Given up"),
                ],
                default="delivered",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("waiting", "Waiting to be sent"),
                    ("failed", "Not accepted yet: will be tried again"),
                    ("delivered", "Delivered"),
                    ("gave_up", "Given up"),
                ],
                default="waiting",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="last_failure",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="created_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(created_when_delivered, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="created_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterModelOptions(
            name="webhookdelivery",
            options={
                "ordering": ["-created_at"],
                "verbose_name": "webhook delivery",
                "verbose_name_plural": "webhook deliveries",
            },
        ),
        migrations.AddConstraint(
            model_name="webhookdelivery",
            constraint=models.CheckConstraint(
                condition=models.Q(status__in=["waiting", "failed", "delivered", "gave_up"]),
                name="oversight_delivery_status",
            ),
        ),
        migrations.AddConstraint(
            model_name="webhookdelivery",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "delivered"), _negated=True)
                | models.Q(delivered_at__isnull=False),
                name="oversight_delivered_has_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="webhookdelivery",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["waiting", "failed"]), _negated=True)
                | models.Q(next_attempt_at__isnull=False),
                name="oversight_waiting_delivery_has_next_try",
            ),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(fields=["status", "next_attempt_at"], name="oversight_delivery_due"),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(fields=["webhook", "-created_at"], name="oversight_delivery_latest"),
        ),
    ]

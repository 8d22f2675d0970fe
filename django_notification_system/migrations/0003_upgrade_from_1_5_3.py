"""Upgrade the 1.5.3 schema to the current models, except the check constraints.

New table ``DeliveryAttempt``; new dispatcher and provider fields on ``Notification``;
the ``SENDING`` status and the new defaults; longer target names; the 1.5.3
``unique_together`` becomes the named ``dns_notification_unique_pending``; the indexes.
The check constraints come in ``0005``, after ``0004`` has fixed the rows that break them.
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("django_notification_system", "0002_auto_20201201_1720"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DeliveryAttempt",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_date", models.DateTimeField(auto_now_add=True)),
                ("modified_date", models.DateTimeField(auto_now=True)),
                ("attempted_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("delivered", "Delivered"),
                            ("retry", "Retry"),
                            ("failed", "Failed"),
                            ("inactive_address", "Inactive address"),
                            ("opted_out", "Opted out"),
                        ],
                        max_length=32,
                    ),
                ),
                ("error", models.TextField(blank=True, default="")),
                ("provider_message_id", models.CharField(blank=True, default="", max_length=255)),
            ],
            options={
                "verbose_name": "delivery attempt",
                "verbose_name_plural": "delivery attempts",
                "db_table": "notification_system_delivery_attempt",
                "ordering": ["attempted_at"],
            },
        ),
        migrations.AlterModelOptions(
            name="notification",
            options={"verbose_name": "notification", "verbose_name_plural": "notifications"},
        ),
        migrations.AlterModelOptions(
            name="notificationoptout",
            options={
                "verbose_name": "notification opt-out",
                "verbose_name_plural": "notification opt-outs",
            },
        ),
        migrations.AlterModelOptions(
            name="notificationtarget",
            options={
                "ordering": ["name"],
                "verbose_name": "notification target",
                "verbose_name_plural": "notification targets",
            },
        ),
        migrations.AlterModelOptions(
            name="targetuserrecord",
            options={
                "verbose_name": "target user record",
                "verbose_name_plural": "target user records",
            },
        ),
        migrations.AlterUniqueTogether(
            name="notification",
            unique_together=set(),
        ),
        migrations.AddField(
            model_name="notification",
            name="claim_token",
            field=models.UUIDField(
                blank=True,
                editable=False,
                help_text="Identifies the run holding the lease.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="last_error",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="notification",
            name="lease_expires_at",
            field=models.DateTimeField(
                blank=True, help_text="A SENDING row is reclaimable after this time.", null=True
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="provider_message_id",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AddField(
            model_name="notification",
            name="provider_status",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="notification",
            name="provider_status_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="notification",
            name="body",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AlterField(
            model_name="notification",
            name="max_retries",
            field=models.PositiveIntegerField(
                default=3, help_text="Maximum number of delivery attempts."
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="retry_attempts",
            field=models.PositiveIntegerField(
                default=0, help_text="Failed delivery attempts so far."
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="retry_time_interval",
            field=models.PositiveIntegerField(
                default=0, help_text="Minutes to wait before retrying after a failed attempt."
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="scheduled_delivery",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("DELIVERED", "Delivered"),
                    ("DELIVERY FAILURE", "Delivery Failure"),
                    ("INACTIVE DEVICE", "Inactive Device"),
                    ("OPTED OUT", "Opted Out"),
                    ("RETRY", "Retry"),
                    ("SCHEDULED", "Scheduled"),
                    ("SENDING", "Sending"),
                ],
                default="SCHEDULED",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="notificationtarget",
            name="name",
            field=models.CharField(help_text="Human friendly name.", max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="notificationtarget",
            name="notification_module_name",
            field=models.CharField(
                help_text="Name of the creator/handler modules that serve this target.",
                max_length=128,
            ),
        ),
        migrations.AlterField(
            model_name="targetuserrecord",
            name="description",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AlterField(
            model_name="targetuserrecord",
            name="target",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="target_user_records",
                to="django_notification_system.notificationtarget",
            ),
        ),
        migrations.AlterField(
            model_name="targetuserrecord",
            name="target_user_id",
            field=models.CharField(
                help_text="The user's identifier on the target (address, number, token).",
                max_length=200,
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("status__in", ["SCHEDULED", "RETRY", "SENDING"])),
                fields=["scheduled_delivery"],
                name="dns_notification_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                fields=["status", "modified_date"], name="dns_notification_status_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("provider_message_id", ""), _negated=True),
                fields=["provider_message_id"],
                name="dns_notification_provider_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="targetuserrecord",
            index=models.Index(fields=["target", "active"], name="dns_record_target_active_idx"),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("target_user_record", "scheduled_delivery", "title", "extra"),
                name="dns_notification_unique_pending",
            ),
        ),
        migrations.AddField(
            model_name="deliveryattempt",
            name="notification",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attempts",
                to="django_notification_system.notification",
            ),
        ),
        migrations.AddIndex(
            model_name="deliveryattempt",
            index=models.Index(
                fields=["notification", "attempted_at"], name="dns_attempt_notif_idx"
            ),
        ),
    ]

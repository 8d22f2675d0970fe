"""Idempotency and cancel keys, the CANCELLED status, and per-user quiet hours.

Existing rows get empty keys (no key) and keep their status: rows the 1.5.3-era admin
action cancelled as DELIVERY FAILURE stay as they are. Check constraints are built with
``check_constraint`` so that Django 4.2 (``check=``) and 5.1+ (``condition=``) both work.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import django_notification_system.models.user_settings
from django_notification_system.models.abstract import check_constraint

STATUSES = [
    "SCHEDULED",
    "SENDING",
    "DELIVERED",
    "DELIVERY FAILURE",
    "RETRY",
    "INACTIVE DEVICE",
    "OPTED OUT",
    "CANCELLED",
]


class Migration(migrations.Migration):
    dependencies = [
        ("django_notification_system", "0007_notification_extra_hash"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="notification", name="dns_notification_status_valid"
        ),
        migrations.RemoveConstraint(
            model_name="notification", name="dns_rule2_attempted_date_required"
        ),
        migrations.AddField(
            model_name="notification",
            name="cancel_key",
            field=models.CharField(
                blank=True,
                default="",
                help_text="cancel_notifications(cancel_key) withdraws the pending rows with this key.",
                max_length=255,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="idempotency_key",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Creating again with this key for the same target user record creates "
                "nothing (unique per record while the row exists).",
                max_length=255,
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("CANCELLED", "Cancelled"),
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
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("cancel_key", ""), _negated=True),
                fields=["cancel_key"],
                name="dns_notification_cancel_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("idempotency_key", ""), _negated=True),
                fields=("target_user_record", "idempotency_key"),
                name="dns_notification_unique_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=check_constraint(
                models.Q(("status__in", STATUSES)), name="dns_notification_status_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=check_constraint(
                models.Q(
                    ("status__in", ["SCHEDULED", "OPTED OUT", "CANCELLED"]),
                    ("attempted_delivery__isnull", False),
                    _connector="OR",
                ),
                name="dns_rule2_attempted_date_required",
            ),
        ),
        migrations.CreateModel(
            name="NotificationUserSettings",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_date", models.DateTimeField(auto_now_add=True)),
                ("modified_date", models.DateTimeField(auto_now=True)),
                (
                    "timezone",
                    models.CharField(
                        default=django_notification_system.models.user_settings.default_timezone,
                        help_text="IANA time zone, e.g. Europe/Paris.",
                        max_length=64,
                        validators=[
                            django_notification_system.models.user_settings.validate_timezone
                        ],
                    ),
                ),
                (
                    "quiet_hours_start",
                    models.TimeField(
                        blank=True, help_text="Local time the quiet hours begin.", null=True
                    ),
                ),
                (
                    "quiet_hours_end",
                    models.TimeField(
                        blank=True,
                        help_text="Local time the quiet hours end (may be after midnight).",
                        null=True,
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_settings",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "notification user settings",
                "verbose_name_plural": "notification user settings",
                "db_table": "notification_system_user_settings",
                "constraints": [
                    check_constraint(
                        models.Q(
                            models.Q(
                                ("quiet_hours_end__isnull", True),
                                ("quiet_hours_start__isnull", True),
                            ),
                            models.Q(
                                ("quiet_hours_end__isnull", False),
                                ("quiet_hours_start__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="dns_user_settings_window_complete",
                    ),
                ],
            },
        ),
    ]

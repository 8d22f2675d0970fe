"""Digests: the HELD status, a held item's window and digest, the digest flag, DigestWindow.

Existing rows keep their status; check constraints are built with ``check_constraint`` so
that Django 4.2 (``check=``) and 5.1+ (``condition=``) both work.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models

from django_notification_system.models.abstract import check_constraint


class Migration(migrations.Migration):
    dependencies = [
        ("django_notification_system", "0010_categories_and_preferences"),
    ]

    operations = [
        migrations.CreateModel(
            name="DigestWindow",
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
                    "category",
                    models.CharField(
                        help_text="Key of NOTIFICATION_SYSTEM_CATEGORIES.", max_length=64
                    ),
                ),
                (
                    "claim_token",
                    models.UUIDField(
                        blank=True,
                        editable=False,
                        help_text="Identifies the flush holding the window.",
                        null=True,
                    ),
                ),
                (
                    "lease_expires_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="A claimed window may be taken again after this time.",
                        null=True,
                    ),
                ),
                (
                    "last_flushed_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="When the last digest of this window was made.",
                        null=True,
                    ),
                ),
            ],
            options={
                "verbose_name": "digest window",
                "verbose_name_plural": "digest windows",
                "db_table": "notification_system_digest_window",
            },
        ),
        migrations.RemoveConstraint(
            model_name="notification",
            name="dns_notification_status_valid",
        ),
        migrations.RemoveConstraint(
            model_name="notification",
            name="dns_rule2_attempted_date_required",
        ),
        migrations.AddField(
            model_name="notification",
            name="digest",
            field=models.ForeignKey(
                blank=True,
                help_text="The digest notification that carried this one.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="digest_items",
                to="django_notification_system.notification",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="is_digest",
            field=models.BooleanField(
                default=False, help_text="This notification is a digest of held notifications."
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
                    ("HELD", "Held for a digest"),
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
        migrations.AddField(
            model_name="digestwindow",
            name="target_user_record",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="digest_windows",
                to="django_notification_system.targetuserrecord",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="digest_window",
            field=models.ForeignKey(
                blank=True,
                help_text="The digest window a HELD notification waits in.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="items",
                to="django_notification_system.digestwindow",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("status", "HELD")),
                fields=["digest_window", "scheduled_delivery"],
                name="dns_notification_held_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=check_constraint(
                models.Q(
                    (
                        "status__in",
                        [
                            "SCHEDULED",
                            "SENDING",
                            "DELIVERED",
                            "DELIVERY FAILURE",
                            "RETRY",
                            "INACTIVE DEVICE",
                            "OPTED OUT",
                            "CANCELLED",
                            "HELD",
                        ],
                    )
                ),
                name="dns_notification_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=check_constraint(
                models.Q(
                    ("status__in", ["SCHEDULED", "OPTED OUT", "CANCELLED", "HELD"]),
                    ("attempted_delivery__isnull", False),
                    _connector="OR",
                ),
                name="dns_rule2_attempted_date_required",
            ),
        ),
        migrations.AddConstraint(
            model_name="digestwindow",
            constraint=models.UniqueConstraint(
                fields=("target_user_record", "category"), name="dns_digest_window_unique"
            ),
        ),
    ]

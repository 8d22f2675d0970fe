"""Categories and preferences: ``Notification.category`` (blank for none) and the sparse
``NotificationPreference`` table. Adding a column with a constant default is a metadata-only
change on PostgreSQL 11+, so it is quick on a large notification table."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("django_notification_system", "0009_in_app_inbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="category",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Key of NOTIFICATION_SYSTEM_CATEGORIES; blank for none.",
                max_length=64,
            ),
        ),
        migrations.CreateModel(
            name="NotificationPreference",
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
                    models.CharField(help_text='A category key, or "*" for all.', max_length=64),
                ),
                (
                    "channel",
                    models.CharField(
                        help_text='A target\'s notification_module_name, or "*" for all.',
                        max_length=128,
                    ),
                ),
                ("enabled", models.BooleanField()),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_preferences",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "notification preference",
                "verbose_name_plural": "notification preferences",
                "db_table": "notification_system_preference",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "category", "channel"), name="dns_preference_unique"
                    )
                ],
            },
        ),
    ]

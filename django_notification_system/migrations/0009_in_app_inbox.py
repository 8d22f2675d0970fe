"""The in-app inbox: read state and a link on Notification, unread/unseen partial indexes,
and the preloaded ``In-App`` target (module ``in_app``), added only if no target serves
``in_app`` yet; an existing name is reused rather than failing on the unique constraint.
"""

from django.db import migrations, models


def preload_in_app_target(apps, schema_editor):
    NotificationTarget = apps.get_model("django_notification_system", "NotificationTarget")
    targets = NotificationTarget.objects.using(schema_editor.connection.alias)
    if not targets.filter(notification_module_name="in_app").exists():
        targets.get_or_create(name="In-App", defaults={"notification_module_name": "in_app"})


class Migration(migrations.Migration):
    dependencies = [
        ("django_notification_system", "0008_keys_cancellation_quiet_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="archived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="read_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="seen_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="url",
            field=models.CharField(
                blank=True, default="", help_text="Where the inbox item links to.", max_length=500
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("archived_at__isnull", True), ("read_at__isnull", True)),
                fields=["target_user_record", "scheduled_delivery", "status"],
                name="dns_inbox_unread_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("archived_at__isnull", True), ("seen_at__isnull", True)),
                fields=["target_user_record", "scheduled_delivery", "status"],
                name="dns_inbox_unseen_idx",
            ),
        ),
        migrations.RunPython(preload_in_app_target, migrations.RunPython.noop),
    ]

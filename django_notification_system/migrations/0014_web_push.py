"""Web Push: ``target_user_id`` widened to hold a browser's PushSubscription as JSON, and the
preloaded ``Web Push`` target (module ``webpush``), added only if no target serves it yet.

A wider ``varchar`` keeps the unique constraint on (user, target, target_user_id) as it is:
PostgreSQL widens the column in place; SQLite rebuilds the table with the constraint.
"""

from django.db import migrations, models


def preload_web_push_target(apps, schema_editor):
    NotificationTarget = apps.get_model("django_notification_system", "NotificationTarget")
    targets = NotificationTarget.objects.using(schema_editor.connection.alias)
    if not targets.filter(notification_module_name="webpush").exists():
        targets.get_or_create(name="Web Push", defaults={"notification_module_name": "webpush"})


class Migration(migrations.Migration):
    dependencies = [
        ("django_notification_system", "0013_in_app_groups"),
    ]

    operations = [
        migrations.AlterField(
            model_name="targetuserrecord",
            name="target_user_id",
            field=models.CharField(
                help_text="The user's identifier on the target (address, number, token, subscription).",
                max_length=2048,
            ),
        ),
        migrations.RunPython(preload_web_push_target, migrations.RunPython.noop),
    ]

"""1.5.3's second migration: preload the built-in targets (Twilio, Email, Expo).

Same name as in 1.5.3 so that a 1.5.3 database sees it as applied. Idempotent:
a target whose module name already exists is not added again.
"""

from django.db import migrations

BUILT_IN_TARGETS = [("Twilio", "twilio"), ("Email", "email"), ("Expo", "expo")]


def preload_targets(apps, schema_editor):
    NotificationTarget = apps.get_model("django_notification_system", "NotificationTarget")
    targets = NotificationTarget.objects.using(schema_editor.connection.alias)
    for name, module_name in BUILT_IN_TARGETS:
        if not targets.filter(notification_module_name=module_name).exists():
            targets.get_or_create(name=name, defaults={"notification_module_name": module_name})


class Migration(migrations.Migration):
    dependencies = [("django_notification_system", "0001_initial")]

    operations = [migrations.RunPython(preload_targets, migrations.RunPython.noop)]

"""Make sure the built-in targets (Email, Twilio, Expo) exist; safe on any database.

A target is added only if no target has its module name yet, so an existing
``Email``/``email`` row (e.g. from 1.5.3) is never duplicated, and a taken name
is reused rather than failing on the unique constraint.
"""

from django.db import migrations

BUILT_IN_TARGETS = [("Email", "email"), ("Twilio", "twilio"), ("Expo", "expo")]


def preload_targets(apps, schema_editor):
    NotificationTarget = apps.get_model("django_notification_system", "NotificationTarget")
    targets = NotificationTarget.objects.using(schema_editor.connection.alias)
    for name, module_name in BUILT_IN_TARGETS:
        if not targets.filter(notification_module_name=module_name).exists():
            targets.get_or_create(name=name, defaults={"notification_module_name": module_name})


class Migration(migrations.Migration):
    dependencies = [("django_notification_system", "0005_notification_check_constraints")]

    operations = [migrations.RunPython(preload_targets, migrations.RunPython.noop)]

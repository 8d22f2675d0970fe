"""Preload the built-in targets (Email, Twilio, Expo); safe to run on a database that has them."""

from django.db import migrations

BUILT_IN_TARGETS = [("Email", "email"), ("Twilio", "twilio"), ("Expo", "expo")]


def preload_targets(apps, schema_editor):
    NotificationTarget = apps.get_model("django_notification_system", "NotificationTarget")
    db = schema_editor.connection.alias
    for name, module_name in BUILT_IN_TARGETS:
        if (
            not NotificationTarget.objects.using(db)
            .filter(notification_module_name=module_name)
            .exists()
        ):
            NotificationTarget.objects.using(db).get_or_create(
                name=name, defaults={"notification_module_name": module_name}
            )


class Migration(migrations.Migration):
    dependencies = [("django_notification_system", "0001_initial")]

    operations = [migrations.RunPython(preload_targets, migrations.RunPython.noop)]

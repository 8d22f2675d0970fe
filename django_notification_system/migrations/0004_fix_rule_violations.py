"""Fix rows a 1.5.3 database may hold that break the check constraints added in ``0005``.

1.5.3 checked its rules only in ``Model.clean()``, which ``save()`` and ``update()``
skip, so its tables can hold rows that break them. Each fix is one ``UPDATE``:

* an unknown status (1.5.3 never delivered such a row) becomes ``DELIVERY FAILURE``,
  the old value kept in ``last_error``;
* rule 1: a ``SCHEDULED`` row loses its ``attempted_delivery`` (it is still to be sent);
* rule 2: any other status but ``OPTED OUT`` without ``attempted_delivery`` gets its
  ``modified_date``, the last time 1.5.3 touched the row.

``modified_date`` is left as it was. On a fresh database nothing matches.
"""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat

STATUSES = [
    "SCHEDULED",
    "SENDING",
    "DELIVERED",
    "DELIVERY FAILURE",
    "RETRY",
    "INACTIVE DEVICE",
    "OPTED OUT",
]
NO_ATTEMPT_NEEDED = ["SCHEDULED", "OPTED OUT"]


def fix_rule_violations(apps, schema_editor):
    Notification = apps.get_model("django_notification_system", "Notification")
    notifications = Notification.objects.using(schema_editor.connection.alias)
    notifications.exclude(status__in=STATUSES).update(
        last_error=Concat(Value("Unknown status before the upgrade from 1.5.3: "), F("status")),
        status="DELIVERY FAILURE",
    )
    notifications.filter(status="SCHEDULED", attempted_delivery__isnull=False).update(
        attempted_delivery=None
    )
    notifications.exclude(status__in=NO_ATTEMPT_NEEDED).filter(
        attempted_delivery__isnull=True
    ).update(attempted_delivery=F("modified_date"))


class Migration(migrations.Migration):
    dependencies = [("django_notification_system", "0003_upgrade_from_1_5_3")]

    operations = [migrations.RunPython(fix_rule_violations, migrations.RunPython.noop)]

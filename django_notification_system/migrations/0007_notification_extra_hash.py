"""De-duplicate on a fingerprint of ``extra``, not on ``extra`` itself.

``dns_notification_unique_pending`` covered the JSON of ``extra``, so PostgreSQL refused
any ``extra`` over about 2.7 KB ("index row size exceeds btree maximum"). The rule now
covers ``extra_hash``, the SHA-256 of ``extra``'s canonical JSON (sorted keys, compact).

Existing rows keep their data: each gets its fingerprint, page by page. Rows the old rule
told apart but the new one would not (the same data stored with keys in another order,
possible on SQLite) get a fingerprint that also covers their id, so they stay distinct.
"""

import hashlib
import json

from django.db import migrations, models
from django.db.models import Count

PAGE = 2000


def fingerprint(extra, salt=""):
    if extra is None:
        return None
    try:
        text = json.dumps(extra, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.sha256((text + salt).encode()).hexdigest()


def fill_extra_hash(apps, schema_editor):
    Notification = apps.get_model("django_notification_system", "Notification")
    rows = Notification.objects.using(schema_editor.connection.alias)
    last_pk = None
    while True:
        page = rows.order_by("pk").only("pk", "extra")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        page = list(page[:PAGE])
        if not page:
            break
        for row in page:
            row.extra_hash = fingerprint(row.extra)
        rows.bulk_update(page, ["extra_hash"])
        last_pk = page[-1].pk
    key = ("target_user_record_id", "scheduled_delivery", "title", "extra_hash")
    clashes = (
        rows.filter(extra_hash__isnull=False).values(*key).annotate(n=Count("pk")).filter(n__gt=1)
    )
    for clash in clashes:
        group = rows.filter(**{name: clash[name] for name in key}).order_by("pk")
        for row in list(group)[1:]:
            rows.filter(pk=row.pk).update(extra_hash=fingerprint(row.extra, f"#{row.pk}"))


class Migration(migrations.Migration):
    dependencies = [("django_notification_system", "0006_preload_targets")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="extra_hash",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="SHA-256 of extra's canonical JSON: the de-duplication rule compares this.",
                max_length=64,
                null=True,
            ),
        ),
        migrations.RemoveConstraint(
            model_name="notification", name="dns_notification_unique_pending"
        ),
        migrations.RunPython(fill_extra_hash, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("target_user_record", "scheduled_delivery", "title", "extra_hash"),
                name="dns_notification_unique_pending",
            ),
        ),
    ]

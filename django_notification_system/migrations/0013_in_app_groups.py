"""In-app grouping: group_key, group_count, actors, superseded_at on Notification.

The inbox badge indexes leave out superseded rows (folded into their group's item), as the
counts do; a small partial index finds a group's unread folded rows when its item is read.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("django_notification_system", "0012_digest_frequency"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="notification",
            name="dns_inbox_unread_idx",
        ),
        migrations.RemoveIndex(
            model_name="notification",
            name="dns_inbox_unseen_idx",
        ),
        migrations.AddField(
            model_name="notification",
            name="actors",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Who caused it (display names), newest first; a group item lists its group's latest distinct actors.",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="group_count",
            field=models.PositiveIntegerField(
                default=1, help_text="How many notifications this inbox item stands for."
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="group_key",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Unread in-app notifications with the same key show as one inbox item.",
                max_length=255,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="superseded_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When a newer notification of its group replaced it in the inbox.",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(
                    ("archived_at__isnull", True),
                    ("read_at__isnull", True),
                    ("superseded_at__isnull", True),
                ),
                fields=["target_user_record", "scheduled_delivery", "status"],
                name="dns_inbox_unread_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(
                    ("archived_at__isnull", True),
                    ("seen_at__isnull", True),
                    ("superseded_at__isnull", True),
                ),
                fields=["target_user_record", "scheduled_delivery", "status"],
                name="dns_inbox_unseen_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True), ("superseded_at__isnull", False)),
                fields=["target_user_record", "group_key"],
                name="dns_inbox_folded_idx",
            ),
        ),
    ]

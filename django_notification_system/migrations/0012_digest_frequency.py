"""Per-user digest frequency: ``frequency`` on preference rows (``enabled`` may now be empty
on a row that only sets a frequency) and on digest windows.

Existing rows keep their ``enabled`` value; check constraints are built with
``check_constraint`` so that Django 4.2 (``check=``) and 5.1+ (``condition=``) both work.
"""

from django.db import migrations, models
from django.db.models import Q

from django_notification_system.models.abstract import check_constraint

FREQUENCIES = ("immediate", "hourly", "daily", "weekly")


class Migration(migrations.Migration):
    dependencies = [
        ("django_notification_system", "0011_digests"),
    ]

    operations = [
        migrations.AddField(
            model_name="digestwindow",
            name="frequency",
            field=models.CharField(
                blank=True,
                help_text="The user's digest frequency its last item was held under; empty "
                "when the category's digest or a throttle held it.",
                max_length=16,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="notificationpreference",
            name="frequency",
            field=models.CharField(
                blank=True,
                choices=[
                    ("immediate", "Immediate"),
                    ("hourly", "Hourly"),
                    ("daily", "Daily"),
                    ("weekly", "Weekly"),
                ],
                help_text="Empty: not decided here. Other than immediate: held for a digest.",
                max_length=16,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="notificationpreference",
            name="enabled",
            field=models.BooleanField(blank=True, help_text="Empty: not decided here.", null=True),
        ),
        migrations.AddConstraint(
            model_name="notificationpreference",
            constraint=check_constraint(
                Q(enabled__isnull=False) | Q(frequency__isnull=False),
                name="dns_preference_not_empty",
            ),
        ),
        migrations.AddConstraint(
            model_name="notificationpreference",
            constraint=check_constraint(
                Q(frequency__isnull=True) | Q(frequency__in=FREQUENCIES),
                name="dns_preference_frequency_valid",
            ),
        ),
    ]

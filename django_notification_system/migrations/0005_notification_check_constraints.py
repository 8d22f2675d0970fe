"""The documented rules 1 and 2 and the valid statuses as database check constraints.

Built with ``check_constraint`` so that Django 4.2 (``check=``) and 5.1+
(``condition=``) both work.
"""

from django.db import migrations, models

from django_notification_system.models.abstract import check_constraint


class Migration(migrations.Migration):
    dependencies = [("django_notification_system", "0004_fix_rule_violations")]

    operations = [
        migrations.AddConstraint(
            model_name="notification",
            constraint=check_constraint(
                models.Q(
                    (
                        "status__in",
                        [
                            "SCHEDULED",
                            "SENDING",
                            "DELIVERED",
                            "DELIVERY FAILURE",
                            "RETRY",
                            "INACTIVE DEVICE",
                            "OPTED OUT",
                        ],
                    )
                ),
                name="dns_notification_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=check_constraint(
                models.Q(
                    models.Q(("status", "SCHEDULED"), _negated=True),
                    ("attempted_delivery__isnull", True),
                    _connector="OR",
                ),
                name="dns_rule1_scheduled_not_attempted",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=check_constraint(
                models.Q(
                    ("status__in", ["SCHEDULED", "OPTED OUT"]),
                    ("attempted_delivery__isnull", False),
                    _connector="OR",
                ),
                name="dns_rule2_attempted_date_required",
            ),
        ),
    ]

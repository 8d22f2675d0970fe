"""The tracking package's public names are importable from the package itself."""

from django_notification_system import tracking
from django_notification_system.tracking import reports


def test_the_tracking_module_names_are_importable_from_the_package():
    assert tracking.ProviderReport is reports.ProviderReport
    assert tracking.apply_report is reports.apply_report
    assert tracking.Effect.BOUNCED.value == "bounced"

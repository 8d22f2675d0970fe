"""Tracking moved into the ``tracking`` package; the paths documented before still work."""

from django_notification_system import tracking
from django_notification_system.tracking import anymail_urls, reports
from django_notification_system.webhooks import anymail_urls as old_anymail_urls


def test_the_old_anymail_urls_include_serves_the_same_guarded_views():
    assert old_anymail_urls.urlpatterns is anymail_urls.urlpatterns
    names = {pattern.name for pattern in old_anymail_urls.urlpatterns}
    assert "postmark_tracking_webhook" in names


def test_the_tracking_module_names_are_importable_from_the_package():
    assert tracking.ProviderReport is reports.ProviderReport
    assert tracking.apply_report is reports.apply_report
    assert tracking.Effect.BOUNCED.value == "bounced"

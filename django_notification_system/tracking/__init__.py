"""Delivery tracking: what providers report after a message was accepted.

* :mod:`.reports` applies provider reports (never backwards, compare-and-set);
* :mod:`.expo_receipts` fetches and applies Expo push receipts;
* :mod:`.twilio_callbacks` receives Twilio status callbacks;
* :mod:`.anymail_events` receives ESP tracking events through django-anymail, and
  :mod:`.anymail_urls` serves anymail's webhook URLs guarded against malformed bodies.

The names below were importable from ``django_notification_system.tracking`` before it
became a package, and still are.
"""

from .reports import (
    PROVIDER_STATUS_RANK,
    Effect,
    ProviderReport,
    apply_claimed_reports,
    apply_report,
    lower_ranked_statuses,
)

__all__ = [
    "PROVIDER_STATUS_RANK",
    "Effect",
    "ProviderReport",
    "apply_claimed_reports",
    "apply_report",
    "lower_ranked_statuses",
]

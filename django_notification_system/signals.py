"""Signals sent by django-notification-system, after the corresponding transaction has committed.

``batch_recorded``
    Once per recorded batch. ``sender`` is the ``Notification`` model;
    ``results`` is a list of :class:`~django_notification_system.dispatch.record.DeliveryResult`
    (``notification``, ``outcome``, ``status``); ``claim_token`` identifies the batch.

``notifications_settled``
    When claimed rows are settled without being sent (opted-out user, inactive record,
    no handler) or released after a configuration error. ``notifications`` is the list of
    notifications, ``status`` their new status and ``reason`` the text put in ``last_error``.

``provider_report_applied``
    When a provider's later report (Expo receipt, Twilio status callback, ESP tracking
    event) changed notifications. ``notification_ids`` (primary keys), ``provider_status``
    (e.g. ``"delivered"``, ``"bounced"``), ``effect`` (``"record"``, ``"failed"``,
    ``"inactive"``, ``"opted_out"``, ``"deactivate"`` or ``"bounced"``) and ``error``.

Receivers run through ``send_robust``: an exception in a receiver is logged, never stops a
run or fails a webhook.
"""

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

batch_recorded = Signal()
notifications_settled = Signal()
provider_report_applied = Signal()


def send_robust(signal: Signal, sender, **kwargs) -> None:
    """Send ``signal``; log (never raise) what a receiver raises."""
    for receiver, response in signal.send_robust(sender=sender, **kwargs):
        if isinstance(response, Exception):
            logger.error(
                "receiver %r of a django-notification-system signal raised %s",
                getattr(receiver, "__qualname__", receiver),
                type(response).__name__,
            )

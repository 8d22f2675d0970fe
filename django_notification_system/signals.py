"""Signals sent by the dispatcher, after the corresponding transaction has committed.

``batch_recorded``
    Once per recorded batch. ``sender`` is the ``Notification`` model;
    ``results`` is a list of :class:`~django_notification_system.dispatch.record.DeliveryResult`
    (``notification``, ``outcome``, ``status``); ``claim_token`` identifies the batch.

``notifications_settled``
    When claimed rows are settled without being sent (opted-out user, inactive record,
    no handler) or released after a configuration error. ``notifications`` is the list of
    notifications, ``status`` their new status and ``reason`` the text put in ``last_error``.

Receivers run through ``send_robust``: an exception in a receiver is logged, never stops a run.
"""

from django.dispatch import Signal

batch_recorded = Signal()
notifications_settled = Signal()

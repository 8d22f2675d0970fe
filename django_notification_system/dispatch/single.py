"""Record one handler outcome on one notification instance, and save it.

This serves the built-in handlers' 1.5.3 ``send_notification(notification)``, which sends
a single notification outside any dispatcher run and, as in 1.5.3, saves the row itself.
The rules are the dispatcher's (:mod:`.record`): the same status for the same outcome,
the same retry accounting and policy, a ``DeliveryAttempt`` appended, a dead address's
record deactivated. No signal is sent: those describe dispatcher batches.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Notification, TargetUserRecord
from ..notification_handlers.base import Delivered, InactiveAddress, OptedOut, Outcome
from .claim import RESEND_RESET
from .locking import retry_if_locked
from .record import DeliveryResult, insert_attempts, status_for
from .retry import next_attempt_at


def record_outcome(
    notification: Notification, outcome: Outcome, now: datetime | None = None
) -> str:
    """Give ``notification`` the status ``outcome`` means, save it, and return that status.

    ``attempted_delivery`` becomes now; a Retry or failure counts an attempt, and a Retry
    is scheduled by the retry policy (or the provider's Retry-After); an InactiveAddress or
    OptedOut deactivates the target user record. A lease the dispatcher held on the row is
    dropped (the row is settled) and the dispatcher, not this, appends its attempt.
    """
    now = now or timezone.now()
    # Sent from a 1.5.3 handler that a dispatcher run called: the run records the attempt.
    in_a_run = notification.claim_token is not None
    status = status_for(notification, outcome)
    if status == Notification.RETRY:
        notification.scheduled_delivery = next_attempt_at(notification, now, outcome.after)
    if status in (Notification.RETRY, Notification.DELIVERY_FAILURE):
        notification.retry_attempts += 1
    for field, value in RESEND_RESET.items():  # a new send: the old provider reports go
        setattr(notification, field, value)
    notification.status = status
    notification.attempted_delivery = now
    notification.last_error = "" if isinstance(outcome, Delivered) else outcome.error
    if isinstance(outcome, Delivered):
        notification.provider_message_id = outcome.provider_message_id or ""
    notification.claim_token = None
    notification.lease_expires_at = None
    dead = isinstance(outcome, (InactiveAddress, OptedOut))

    def write() -> None:
        with transaction.atomic():
            notification.save()
            if dead:
                TargetUserRecord.objects.filter(pk=notification.target_user_record_id).update(
                    active=False, modified_date=now
                )
            if not in_a_run:
                insert_attempts([DeliveryResult(notification, outcome, status)], now)

    # A handler thread of a run writes beside the dispatcher's own short transactions: on
    # SQLite the write may meet "database is locked" (and then changed nothing), so it is
    # tried again, as the dispatcher's writes are.
    retry_if_locked(write)
    if dead:
        notification.target_user_record.active = False
    return status

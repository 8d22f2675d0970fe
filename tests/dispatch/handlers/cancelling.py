"""Cancels its own rows' cancel key while "sending" them, then reports them delivered."""

from django_notification_system import cancel_notifications
from django_notification_system.notification_handlers.base import Delivered

#: What each ``cancel_notifications`` call made from inside the handler returned.
CANCELLED_WHILE_SENDING = []


def send_batch(notifications):
    CANCELLED_WHILE_SENDING.append(cancel_notifications("order-1"))
    return [Delivered() for _ in notifications]

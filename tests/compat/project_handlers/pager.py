"""A handler as a 1.5.3 project wrote it, loaded from a directory listed in
NOTIFICATION_SYSTEM_HANDLERS: sends one notification and saves the row itself."""

import threading

from django.utils import timezone

#: Test bookkeeping: (notification pk, name of the thread that ran the handler).
CALLS = []


def send_notification(notification):
    CALLS.append((notification.pk, threading.current_thread().name))
    notification.status = notification.DELIVERED
    notification.attempted_delivery = timezone.now()
    notification.save()
    return "Page Successfully Sent"

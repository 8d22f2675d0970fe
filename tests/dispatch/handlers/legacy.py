"""A 1.5.3-style handler: only ``send_notification``, which may save a status itself."""

from django.utils import timezone

SENT = []


def send_notification(notification):
    script = notification.extra or {}
    if script.get("raise"):
        raise ValueError("legacy failure")
    if "save_status" in script:
        notification.status = script["save_status"]
        notification.attempted_delivery = timezone.now()
        notification.save()
        return "saved by handler"
    SENT.append(notification.pk)
    return "Notification Successfully Sent"

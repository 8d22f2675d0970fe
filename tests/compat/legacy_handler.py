"""A custom handler written for 1.5.3: sends one notification, saves it itself."""

from django.utils import timezone

from django_notification_system.utils import check_and_update_retry_attempts

#: Set by a test: the error the fake provider raises, or None to accept the message.
PROVIDER_ERROR = None


def send_notification(notification) -> str:
    if PROVIDER_ERROR is not None:
        check_and_update_retry_attempts(notification, 90)
        return f"Pager could not be sent: {PROVIDER_ERROR}"
    notification.status = notification.DELIVERED
    notification.attempted_delivery = timezone.now()
    notification.save()
    return "Pager Successfully Sent"

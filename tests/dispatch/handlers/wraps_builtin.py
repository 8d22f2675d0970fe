"""A 1.5.3 project's handler that delegates to a built-in one's ``send_notification``."""

from django_notification_system.notification_handlers.email import send_notification

__all__ = ["send_notification"]

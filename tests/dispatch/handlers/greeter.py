"""A custom handler that reads each recipient's user, as project handlers may."""

from django_notification_system.notification_handlers.base import Delivered

#: The username of every recipient, in the order the handler saw them.
SEEN = []


def send_batch(notifications):
    SEEN.extend(n.target_user_record.user.get_username() for n in notifications)
    return [Delivered() for _ in notifications]

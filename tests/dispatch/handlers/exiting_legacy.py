"""A 1.5.3-style handler that calls sys.exit(3) for a notification titled "... exit ..."."""

import sys


def send_notification(notification):
    if "exit" in notification.title:
        sys.exit(3)
    return "sent"

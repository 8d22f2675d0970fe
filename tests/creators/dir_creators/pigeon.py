"""A 1.5.3-style creator loaded from a directory entry of NOTIFICATION_SYSTEM_CREATORS."""

IDENTITY = "directory pigeon"


def create_notification(user, title, body="", **kwargs):
    return [IDENTITY, user, title]

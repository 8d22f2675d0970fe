"""A handler whose channel is not configured."""

from django_notification_system import conf


def send_batch(notifications):
    conf.target_option("misconfigured", "api_key")
    return []

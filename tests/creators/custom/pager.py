"""A custom channel built on the generic core, as a project would write one."""

from django_notification_system.notification_creators.base import create_for_user

DEFAULT_RETRY_TIME_INTERVAL = 5


def prepare_content(title, body, extra):
    return title.upper(), body


def create_notification(
    user,
    title,
    body="",
    scheduled_delivery=None,
    retry_time_interval=None,
    max_retries=3,
    quiet=False,
    extra=None,
):
    return create_for_user(
        "pager",
        user,
        title,
        body,
        scheduled_delivery,
        retry_time_interval,
        max_retries,
        quiet,
        extra,
    )

"""Exceptions raised by django-notification-system.

Every exception derives from :class:`NotificationSystemError`. The creator
exceptions keep the names and hierarchy documented for 1.5.3, so existing
``except`` clauses keep working.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class NotificationSystemError(Exception):
    """Root of every exception this package raises on purpose."""


class NotificationsNotCreated(NotificationSystemError):
    """No notification was created: every one of them already existed."""

    def __init__(self, message: str = "No notifications were created") -> None:
        super().__init__(message)


class NotificationNotSent(NotificationSystemError):
    """A notification could not be scheduled or sent, with no more specific cause."""


class UserIsOptedOut(NotificationNotSent):
    """The user has an active :class:`~django_notification_system.models.NotificationOptOut`."""

    def __init__(self, message: str = "User is opted out") -> None:
        super().__init__(message)


#: What gives a user a record on each built-in channel, by ``notification_module_name``: the
#: "no record" error names it, so a newcomer need not search the docs for the fix.
ADD_RECORD_HINTS = {
    "email": (
        "run `python manage.py create_email_target_user_records` (a record for every user "
        "with an email address), or create a TargetUserRecord for the email target with the "
        "address as target_user_id in code"
    ),
    "twilio": (
        "create a TargetUserRecord for the Twilio target with the user's phone number "
        "(E.164, e.g. '+15005550006') as target_user_id in code"
    ),
    "expo": (
        "create a TargetUserRecord for the Expo target with the device's Expo push token "
        "as target_user_id in code"
    ),
    "webpush": (
        "register the browser's subscription with "
        "notification_creators.webpush.register_subscription(user, subscription)"
    ),
    "in_app": (
        "the in-app channel makes its record on first use, so this user's is inactive: "
        "set the record's active=True"
    ),
}
#: The page that shows creating a record in code for every channel.
RECORDS_DOC = 'docs/creators.rst, "Target user records"'


class UserHasNoTargetRecords(NotificationNotSent):
    """The user has no active :class:`TargetUserRecord` on the requested channel."""

    def __init__(self, message: str = "User has no active target records") -> None:
        super().__init__(message)

    @classmethod
    def for_channel(cls, user_pk: object, channel: str) -> UserHasNoTargetRecords:
        """The error for ``user_pk`` on ``channel``, naming the command or call that fixes it."""
        hint = ADD_RECORD_HINTS.get(
            channel,
            f"create a TargetUserRecord for a target whose notification_module_name is "
            f"{channel!r}",
        )
        return cls(
            f"User {user_pk} has no active target records on channel {channel!r}: to add "
            f"one, {hint} (see {RECORDS_DOC})"
        )


#: 1.5.3 called this exception ``UserHasNoTargets``; the old name keeps working.
UserHasNoTargets = UserHasNoTargetRecords


class NotificationSystemConfigurationError(NotificationSystemError, ImproperlyConfigured):
    """A setting is missing or wrong. Never retried: it is reported by name and stops the run."""


class MissingDependency(NotificationSystemError, ImportError):
    """An optional SDK is not installed; the message says which extra provides it."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"The {package!r} package is required for this channel. "
            f'Install it with: pip install "django-notification-system[{extra}]"'
        )
        self.package = package
        self.extra = extra

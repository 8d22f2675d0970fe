"""Exceptions raised by django-notification-system.

Every exception derives from :class:`NotificationSystemError`. The creator
exceptions keep the names and hierarchy documented for 1.5.3, so existing
``except`` clauses keep working.
"""

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


class UserHasNoTargetRecords(NotificationNotSent):
    """The user has no active :class:`TargetUserRecord` on the requested channel."""

    def __init__(self, message: str = "User has no active target records") -> None:
        super().__init__(message)


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

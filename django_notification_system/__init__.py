"""django-notification-system: database-backed notifications delivered in batches."""

from __future__ import annotations

__version__ = "2.0.0.dev0"


def cancel_notifications(cancel_key: str, user=None) -> int:
    """Cancel the pending notifications created with ``cancel_key`` (of ``user`` if given).

    Returns how many were cancelled; see :mod:`django_notification_system.keys.cancellation`.
    Imported lazily so the package imports before Django's app registry is ready.
    """
    from .keys.cancellation import cancel_notifications as cancel

    return cancel(cancel_key, user)

"""Celery tasks: deliver, check push receipts, clean up (``pip install "...[celery]"``).

The same three tasks as :mod:`django_notification_system.workers.tasks`, as Celery
``shared_task``s with fixed names, each a thin wrapper over
:mod:`django_notification_system.workers.jobs` (the functions the management commands call).
Arguments and results are JSON values. Enqueueing is only a hint: the claim protocol
decides which process sends a row, so workers, beat, cron and retries may overlap without
double sends.

To run them on a schedule instead of cron, copy :data:`BEAT_SCHEDULE` into your
settings as ``CELERY_BEAT_SCHEDULE`` (with ``app.config_from_object("django.conf:settings",
namespace="CELERY")``) and run ``celery beat`` once::

    CELERY_BEAT_SCHEDULE = {
        "notifications-deliver-due": {
            "task": "django_notification_system.deliver_due",
            "schedule": 60.0,
        },
        "notifications-check-push-receipts": {
            "task": "django_notification_system.check_push_receipts",
            "schedule": 15 * 60.0,
        },
        "notifications-cleanup": {
            "task": "django_notification_system.cleanup_notifications",
            "schedule": 24 * 60 * 60.0,
            "kwargs": {"days": 90},
        },
    }
"""

from __future__ import annotations

from typing import Any

from . import jobs

try:
    from celery import current_app, shared_task
except ImportError as exc:
    raise ImportError(
        f'Celery is not installed: pip install "django-notification-system[celery]" ({exc})'
    ) from exc

#: Task names, stable across releases so schedules and routes can refer to them.
DELIVER_DUE = "django_notification_system.deliver_due"
CHECK_PUSH_RECEIPTS = "django_notification_system.check_push_receipts"
CLEANUP_NOTIFICATIONS = "django_notification_system.cleanup_notifications"

#: The documented ``CELERY_BEAT_SCHEDULE``: deliver every minute (a safety net when
#: creators enqueue on create), receipts every 15 minutes, keep 90 days of history.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "notifications-deliver-due": {"task": DELIVER_DUE, "schedule": 60.0},
    "notifications-check-push-receipts": {"task": CHECK_PUSH_RECEIPTS, "schedule": 15 * 60.0},
    "notifications-cleanup": {
        "task": CLEANUP_NOTIFICATIONS,
        "schedule": 24 * 60 * 60.0,
        "kwargs": {"days": 90},
    },
}


@shared_task(name=DELIVER_DUE)
def deliver_due(limit: int | None = None, targets: list[str] | None = None) -> dict[str, Any]:
    """Deliver due notifications (all, or ``limit`` rows, of ``targets``' channels)."""
    return jobs.deliver_due(limit=limit, targets=targets)


@shared_task(name=CHECK_PUSH_RECEIPTS)
def check_push_receipts() -> dict[str, Any]:
    """Check and apply the Expo push receipts that are due (every 15 minutes)."""
    return jobs.check_push_receipts()


@shared_task(name=CLEANUP_NOTIFICATIONS)
def cleanup_notifications(days: int) -> dict[str, Any]:
    """Delete final-state notifications last modified more than ``days`` days ago."""
    return jobs.cleanup_notifications(days)


def project_app_configured() -> bool:
    """Whether this process made a Celery app of its own (``Celery("myproject")``).

    Without one, Celery's ``current_app`` is its fallback app: enqueues go to a broker at
    Celery's default URL, not to the project's workers, and nothing says so. Celery creates
    that fallback on first use as ``Celery("default", set_as_current=False)``.
    """
    app = current_app._get_current_object()
    return not (app.main == "default" and not app.set_as_current)

"""Tasks for Django's task framework: deliver, check push receipts, clean up.

Uses ``django.tasks`` where Django has it (6.0+), else the ``django-tasks`` backport
(``pip install "django-notification-system[tasks]"``, which also brings the database
backend ``django-tasks-db``). With neither installed this module still imports: each task
is then a stand-in whose ``enqueue`` raises an error saying what to install.

Each task is a thin wrapper over :mod:`django_notification_system.workers.jobs`, i.e. over the
same functions the management commands call; arguments and results are JSON values::

    from django_notification_system.workers.tasks import deliver_due
    deliver_due.enqueue(targets=["email"])

Enqueueing is only a hint: the claim protocol decides which process sends a row, so
tasks, cron and retries may overlap without double sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..exceptions import NotificationSystemConfigurationError
from . import jobs

try:  # Django 6.0+
    from django.tasks import task as framework_task
except ImportError:
    try:  # Django 4.2-5.x: the backport with the same API
        from django_tasks import task as framework_task
    except ImportError:
        framework_task = None

INSTALL_HINT = (
    "Django's task framework is not available: use Django 6.0+ or install the backport with "
    'pip install "django-notification-system[tasks]", then add "django_tasks" (and, for the '
    'database backend, "django_tasks_db") to INSTALLED_APPS and configure TASKS.'
)


class FrameworkMissing:
    """Stands in for a task when no task framework is installed; ``enqueue`` says what to do.

    ``call()`` still runs the function in the current process, like the framework's.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.name = func.__name__

    def enqueue(self, *args: Any, **kwargs: Any) -> Any:
        raise NotificationSystemConfigurationError(INSTALL_HINT)

    aenqueue = enqueue
    using = enqueue

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)


def _task(func: Callable[..., Any]) -> Any:
    return FrameworkMissing(func) if framework_task is None else framework_task(func)


@_task
def deliver_due(limit: int | None = None, targets: list[str] | None = None) -> dict[str, Any]:
    """Deliver due notifications (all, or ``limit`` rows, of ``targets``' channels)."""
    return jobs.deliver_due(limit=limit, targets=targets)


@_task
def check_push_receipts() -> dict[str, Any]:
    """Check and apply the Expo push receipts that are due (every 15 minutes)."""
    return jobs.check_push_receipts()


@_task
def cleanup_notifications(days: int) -> dict[str, Any]:
    """Delete final-state notifications last modified more than ``days`` days ago."""
    return jobs.cleanup_notifications(days)

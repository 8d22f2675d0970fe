"""What a worker runs: the command functions with JSON in and JSON out.

:mod:`django_notification_system.workers.tasks` (Django's task framework) and
:mod:`django_notification_system.workers.celery` wrap these three functions, so a task
does exactly what its management command does: ``deliver_due`` is
``process_notifications``, ``check_push_receipts`` is ``check_push_receipts`` and
``cleanup_notifications`` is ``cleanup_notifications --days``. Arguments and results are
plain JSON values because task queues store them as JSON.
"""

from __future__ import annotations

import logging
from typing import Any

from ..exceptions import NotificationSystemConfigurationError

logger = logging.getLogger(__name__)


def _positive_int_or_none(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer or None, not {value!r}")
    return value


def _names_or_none(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"targets must be a list of target or module names, not {value!r}")
    return list(value) or None


def deliver_due(limit: int | None = None, targets: list[str] | None = None) -> dict[str, Any]:
    """Deliver due notifications like ``process_notifications [--limit N] [--target ...]``.

    Returns the run's counts. A handler configuration error is raised after the run (as
    the command exits non-zero), so the task shows as failed in the worker's monitoring.
    """
    from ..dispatch.run import process_notifications

    summary = process_notifications(
        limit=_positive_int_or_none("limit", limit), targets=_names_or_none(targets)
    )
    result = {
        "claimed": summary.claimed,
        "batches": summary.batches,
        "counts": dict(sorted(summary.counts.items())),
        "lease_lost": summary.lease_lost,
        "configuration_errors": dict(summary.configuration_errors),
    }
    logger.info("deliver_due: claimed %d in %d batch(es)", summary.claimed, summary.batches)
    if summary.configuration_errors:
        raise NotificationSystemConfigurationError(
            "configuration errors in handlers: " + ", ".join(sorted(summary.configuration_errors))
        )
    return result


def check_push_receipts(limit: int | None = None) -> dict[str, Any]:
    """Check and apply due Expo push receipts like the ``check_push_receipts`` command."""
    from ..tracking.expo_receipts import check_push_receipts as check

    summary = check(limit=_positive_int_or_none("limit", limit))
    return {
        "checked": summary.checked,
        "requests": summary.requests,
        "counts": dict(sorted(summary.counts.items())),
        "errors": list(summary.errors),
    }


def cleanup_notifications(days: int, statuses: list[str] | None = None) -> dict[str, Any]:
    """Delete old final-state notifications like ``cleanup_notifications --days N``."""
    from ..retention import delete_old_notifications

    result = delete_old_notifications(days, statuses)
    return {
        "notifications": result.notifications,
        "attempts": result.attempts,
        "batches": result.batches,
        "cutoff": result.cutoff.isoformat(),
        "statuses": list(result.statuses),
    }

"""Digest categories for the tests, and helpers that make held items and close windows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from django_notification_system.models import DigestWindow, Notification
from tests import factories

CATEGORIES = {
    "comments": {
        "label": "comments",
        "digest": {
            "channels": ["email"],
            "window": 3600,
            "max_items": 5,
            "template": "digests/comments.html",
        },
    },
    "alerts": {"critical": True, "digest": {"channels": ["email"], "window": 3600}},
    "news": {"label": "news"},
}


@pytest.fixture(autouse=True)
def digest_categories():
    with override_settings(NOTIFICATION_SYSTEM_CATEGORIES=CATEGORIES):
        yield


def make_items(record, count: int, category: str = "comments", prefix: str = "c") -> list:
    """``count`` due notifications of ``category`` for ``record``, oldest first."""
    now = timezone.now()
    return [
        factories.notification(
            record,
            title=f"{prefix} {i}",
            category=category,
            scheduled_delivery=now - timedelta(seconds=count - i),
        )
        for i in range(count)
    ]


def close_windows(seconds: int = 3601) -> None:
    """Make every held item ``seconds`` older, as if the window had run its time."""
    Notification.objects.filter(status=Notification.HELD).update(
        scheduled_delivery=F("scheduled_delivery") - timedelta(seconds=seconds)
    )


def rows(items) -> list[Notification]:
    """``items`` as they are now in the database, in the same order."""
    found = Notification.objects.in_bulk([i.pk for i in items])
    return [found[i.pk] for i in items]


def windows() -> list[DigestWindow]:
    return list(DigestWindow.objects.all())

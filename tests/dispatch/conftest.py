"""Fixtures for the dispatcher tests: test handler modules and channels that use them."""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_notification_system.models import Notification
from tests import factories

HANDLERS = ["tests.dispatch.handlers"]


@pytest.fixture(autouse=True)
def test_handlers():
    with override_settings(NOTIFICATION_SYSTEM_HANDLERS=HANDLERS):
        yield


@pytest.fixture
def make_due():
    """``make_due(module_name, count, **fields)``: due notifications on one channel."""
    counter = iter(range(10**6))

    def make(module_name: str = "email", count: int = 1, **fields) -> list[Notification]:
        rows = []
        for _ in range(count):
            i = next(counter)
            record = factories.record(factories.user(f"{module_name}{i}"), module_name=module_name)
            rows.append(factories.notification(record, title=f"{module_name} {i}", **fields))
        return rows

    return make


def statuses(rows) -> dict:
    """Current status of each row, by pk."""
    return dict(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "status")
    )

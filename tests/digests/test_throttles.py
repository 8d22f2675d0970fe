"""Throttles at dispatch: N per period per (user, channel, category); digest, defer or drop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system.checks import check_settings
from django_notification_system.digests.throttle import throttle_configs
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import Notification
from tests import factories
from tests.digests.conftest import make_items, rows

pytestmark = pytest.mark.django_db


def throttled(settings, over_limit: str, rate: str = "2/h") -> None:
    settings.NOTIFICATION_SYSTEM_CATEGORIES = {
        "comments": {
            "label": "comments",
            "throttle": {"channels": ["email"], "rate": rate, "over_limit": over_limit},
        },
        "alerts": {
            "critical": True,
            "throttle": {"channels": ["email"], "rate": rate, "over_limit": over_limit},
        },
    }


def email_record(username: str = "ann"):
    return factories.record(factories.user(username))


def statuses(items) -> list[str]:
    return [r.status for r in rows(items)]


def test_rows_within_the_limit_go_and_the_rest_are_dropped_with_a_reason(settings):
    throttled(settings, "drop")
    items = make_items(email_record(), 5)
    summary = process_notifications()
    assert statuses(items) == [Notification.DELIVERED] * 2 + [Notification.CANCELLED] * 3
    assert rows(items)[4].last_error == (
        "Throttled: more than 2/h comments notifications on email for this user."
    )
    assert summary.counts[Notification.CANCELLED] == 3


def test_earlier_sends_count_against_the_limit(settings):
    throttled(settings, "drop")
    record = email_record()
    first = make_items(record, 1, prefix="first")
    process_notifications()
    later = make_items(record, 3, prefix="later")
    process_notifications()
    assert statuses(first) == [Notification.DELIVERED]
    assert statuses(later) == [Notification.DELIVERED] + [Notification.CANCELLED] * 2


def test_the_limit_is_per_user_and_channel_and_critical_is_never_throttled(settings):
    throttled(settings, "drop")
    ann = make_items(email_record("ann"), 3)
    bob = make_items(email_record("bob"), 3)
    alerts = make_items(email_record("cy"), 3, category="alerts")
    process_notifications()
    assert statuses(ann).count(Notification.DELIVERED) == 2
    assert statuses(bob).count(Notification.DELIVERED) == 2
    assert statuses(alerts) == [Notification.DELIVERED] * 3


def test_defer_moves_the_rows_to_when_the_limit_allows(settings):
    throttled(settings, "defer")
    items = make_items(email_record(), 4)
    before = timezone.now()
    summary = process_notifications()
    after = rows(items)
    assert [r.status for r in after] == [Notification.DELIVERED] * 2 + [Notification.SCHEDULED] * 2
    assert summary.counts["THROTTLED (deferred)"] == 2
    for row in after[2:]:
        assert row.attempted_delivery is None and row.retry_attempts == 0
        assert before + timedelta(hours=1) <= row.scheduled_delivery
        assert row.scheduled_delivery <= timezone.now() + timedelta(hours=1)


def test_digest_holds_the_rows_and_sends_them_as_one_digest_when_the_limit_allows(settings):
    throttled(settings, "digest")
    items = make_items(email_record(), 5)
    summary = process_notifications()
    assert statuses(items) == [Notification.DELIVERED] * 2 + [Notification.HELD] * 3
    assert summary.counts["THROTTLED (held for a digest)"] == 3
    process_notifications()  # the limit does not allow it yet
    assert not Notification.objects.filter(is_digest=True).exists()
    # An hour later the two sends leave the period: one digest carries the three.
    Notification.objects.filter(pk__in=[i.pk for i in items]).update(
        attempted_delivery=timezone.now() - timedelta(hours=1, seconds=1)
    )
    Notification.objects.filter(status=Notification.HELD).update(
        scheduled_delivery=timezone.now() - timedelta(seconds=1)
    )
    process_notifications()
    (digest,) = Notification.objects.filter(is_digest=True)
    assert digest.status == Notification.DELIVERED and digest.title == "3 new comments"
    assert [r.digest_id for r in rows(items)[2:]] == [digest.pk] * 3
    assert statuses(items) == [Notification.DELIVERED] * 5


def test_throttling_runs_a_constant_number_of_queries_per_batch(settings):
    throttled(settings, "drop")

    def run_queries(users: int, prefix: str) -> int:
        for i in range(users):
            make_items(email_record(f"{prefix}{i}"), 3)
        with CaptureQueriesContext(connection) as queries:
            process_notifications()
        return len(queries)

    assert run_queries(2, "a") == run_queries(20, "b")


@pytest.mark.parametrize(
    ("throttle", "problem"),
    [
        ({"channels": ["email"], "rate": "3 per hour"}, '["rate"] must look like "3/h"'),
        ({"channels": ["email"], "rate": "0/h"}, '["rate"] must look like "3/h"'),
        ({"channels": ["email"], "rate": "3/h", "over_limit": "queue"}, '["over_limit"]'),
        ({"rate": "3/h"}, '["channels"] must be a non-empty list'),
        ({"channels": ["email"], "rate": "3/h", "burst": 2}, "unknown option 'burst'"),
    ],
)
def test_malformed_throttles_are_errors_naming_the_category(settings, throttle, problem):
    settings.NOTIFICATION_SYSTEM_CATEGORIES = {"comments": {"throttle": throttle}}
    found = [m for m in check_settings() if m.id == "django_notification_system.E023"]
    assert len(found) == 1
    assert 'NOTIFICATION_SYSTEM_CATEGORIES["comments"]["throttle"]' in found[0].msg
    assert problem in found[0].msg
    with pytest.raises(ImproperlyConfigured):
        throttle_configs()

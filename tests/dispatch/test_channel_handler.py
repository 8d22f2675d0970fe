"""A custom ``ChannelHandler`` found by the loader in ``NOTIFICATION_SYSTEM_HANDLERS``: its
concurrency bounds the calls in flight, and across runs that hit the deadline each row is
sent once; rows whose call never started keep their attempt count and get no attempt row."""

from __future__ import annotations

import pytest

from django_notification_system.dispatch.batch import NOT_STARTED
from django_notification_system.dispatch.registry import HandlerRegistry
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification
from django_notification_system.notification_handlers.base import NotSent, Retry
from tests.dispatch.handlers import counted_channel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def counted():
    counted_channel.reset()
    yield counted_channel
    counted_channel.reset()


def test_the_loader_prefers_the_handler_class():
    handler = HandlerRegistry().get("counted_channel")
    assert handler.channel is counted_channel.CountedHandler


def test_concurrency_bounds_calls_and_each_row_is_sent_once(settings, make_due, counted):
    settings.NOTIFICATION_SYSTEM_HANDLER_TIMEOUT = 2  # calls start during the first second
    rows = make_due("counted_channel", 30)

    first = process_notifications(limit=30)  # one batch: it hits the deadline
    not_started = Notification.objects.filter(pk__in=[r.pk for r in rows]).exclude(
        status=Notification.DELIVERED
    )
    assert first.counts[NOT_STARTED] == not_started.count() > 0
    for row in not_started:
        assert (row.status, row.retry_attempts, row.claim_token, row.lease_expires_at) == (
            Notification.SCHEDULED,
            0,
            None,
            None,
        )
        assert row.attempted_delivery is None
    assert not DeliveryAttempt.objects.filter(notification__in=not_started).exists()

    for _ in range(10):
        if not Notification.objects.exclude(status=Notification.DELIVERED).exists():
            break
        process_notifications()
    assert {n.status for n in Notification.objects.all()} == {Notification.DELIVERED}
    assert sorted(counted.sent) == sorted(r.pk for r in rows)  # each exactly once
    assert 1 <= counted.max_in_flight <= 4
    assert DeliveryAttempt.objects.count() == 30


def test_not_sent_is_a_retry_for_code_that_does_not_know_it():
    outcome = NotSent("no time")
    assert isinstance(outcome, Retry) and outcome.reason == outcome.error == "no time"

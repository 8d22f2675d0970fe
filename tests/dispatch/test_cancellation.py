"""cancel_notifications(): pending rows become CANCELLED; a row on its way is left alone,
and a cancelled row is never sent, even by a worker that had claimed it before."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from django_notification_system import cancel_notifications
from django_notification_system.admin import status_summary
from django_notification_system.dispatch.claim import claim_batch, due_notifications
from django_notification_system.dispatch.record import DeliveryResult, record_batch
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification
from django_notification_system.notification_creators import email
from django_notification_system.notification_handlers.base import Delivered
from tests import factories
from tests.dispatch.conftest import statuses
from tests.dispatch.handlers import cancelling

pytestmark = pytest.mark.django_db


def test_pending_rows_with_the_key_are_cancelled_and_counted(make_due):
    now = timezone.now()
    earlier = now - timedelta(hours=1)
    scheduled = make_due("email", 2, cancel_key="order-1")
    retry = make_due(
        "email", status=Notification.RETRY, attempted_delivery=earlier, cancel_key="order-1"
    )
    dead_worker = make_due(
        "email",
        status=Notification.SENDING,
        attempted_delivery=earlier,
        lease_expires_at=now - timedelta(seconds=1),
        cancel_key="order-1",
        claim_token=uuid.uuid4(),
    )
    live_lease = make_due(
        "email",
        status=Notification.SENDING,
        attempted_delivery=now,
        lease_expires_at=now + timedelta(minutes=5),
        cancel_key="order-1",
    )
    delivered = make_due(
        "email", status=Notification.DELIVERED, attempted_delivery=earlier, cancel_key="order-1"
    )
    other_key = make_due("email", cancel_key="order-2")

    assert cancel_notifications("order-1") == 4

    rows = {n.pk: n for n in Notification.objects.all()}
    for n in scheduled + retry + dead_worker:
        row = rows[n.pk]
        assert row.status == Notification.CANCELLED
        assert row.last_error == "Cancelled by cancel_notifications() with its cancel key."
        assert row.attempted_delivery == n.attempted_delivery  # left as it was
        assert row.claim_token is None and row.lease_expires_at is None
    assert rows[live_lease[0].pk].status == Notification.SENDING
    assert rows[delivered[0].pk].status == Notification.DELIVERED
    assert rows[other_key[0].pk].status == Notification.SCHEDULED
    assert cancel_notifications("order-1") == 0  # nothing left to cancel


def test_user_narrows_the_cancellation():
    ada, bob = factories.user("ada"), factories.user("bob")
    factories.record(ada)
    factories.record(bob)
    for user in (ada, bob):
        email.create_notification(user, "Reminder", "B", cancel_key="meeting-9")
    assert cancel_notifications("meeting-9", user=ada) == 1
    assert dict(
        Notification.objects.values_list("target_user_record__user__username", "status")
    ) == {"ada": Notification.CANCELLED, "bob": Notification.SCHEDULED}
    assert cancel_notifications("meeting-9", user=bob.pk) == 1


def test_a_bad_cancel_key_is_a_clear_error():
    with pytest.raises(ValueError, match="cancel_key"):
        cancel_notifications("")


def test_cancelled_rows_are_not_sent(make_due):
    make_due("email", 3, cancel_key="order-1")
    cancel_notifications("order-1")
    assert process_notifications().claimed == 0
    assert mail.outbox == []
    assert DeliveryAttempt.objects.count() == 0


def test_a_worker_that_read_the_row_just_before_cannot_claim_it(make_due):
    rows = make_due("email", 2, cancel_key="order-1")
    now = timezone.now()
    seen = list(due_notifications(now, now).values_list("pk", flat=True))
    assert sorted(seen) == sorted(r.pk for r in rows)  # the worker saw them due
    cancel_notifications("order-1")
    claimed = claim_batch(uuid.uuid4(), 10, due_before=now, now=now, lease=timedelta(minutes=5))
    assert claimed == 0


def test_the_claim_token_guard_keeps_a_late_worker_from_sending_a_cancelled_row(make_due):
    (row,) = make_due("email", cancel_key="order-1")
    token, now = uuid.uuid4(), timezone.now()
    assert claim_batch(token, 10, due_before=now, now=now, lease=timedelta(minutes=5)) == 1
    # Under its live lease the row is on its way: not touched, not counted.
    assert cancel_notifications("order-1") == 0
    # The worker stalls past its lease (a crashed or frozen host); now it can be cancelled.
    Notification.objects.filter(pk=row.pk).update(lease_expires_at=now - timedelta(seconds=1))
    assert cancel_notifications("order-1") == 1
    # The worker wakes up and records its outcome: the guard refuses it.
    row.refresh_from_db()
    _counts, lost = record_batch(token, [DeliveryResult(row, Delivered(), "DELIVERED")], now)
    assert lost == 1
    assert statuses([row]) == {row.pk: Notification.CANCELLED}
    # No later run sends it either.
    assert process_notifications().claimed == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_cancel_arriving_while_the_row_is_sent_leaves_it_alone(make_due):
    rows = make_due("cancelling", 2, cancel_key="order-1")
    cancelling.CANCELLED_WHILE_SENDING.clear()
    summary = process_notifications()
    assert cancelling.CANCELLED_WHILE_SENDING == [0]
    assert summary.counts == {"DELIVERED": 2}
    assert set(statuses(rows).values()) == {Notification.DELIVERED}


def test_cancelled_is_allowed_without_an_attempted_delivery_and_checked():
    row = factories.notification(status=Notification.CANCELLED)  # rule 2 does not apply
    assert row.attempted_delivery is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.filter(pk=row.pk).update(status="CANCELED")


def test_rule_two_still_applies_to_other_final_statuses():
    with pytest.raises(ValidationError, match="Rule 2"):
        factories.notification(status=Notification.DELIVERED)


def test_the_admin_summary_counts_cancelled_rows(make_due):
    make_due("email", 2, cancel_key="order-1")
    cancel_notifications("order-1")
    summary = status_summary(Notification.objects.all())
    assert (Notification.CANCELLED, "Cancelled") in summary["statuses"]
    assert (Notification.CANCELLED, 2) in summary["totals"]

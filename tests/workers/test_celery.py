"""Celery over the local Redis, with real worker processes: enqueued after commit, sent once."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.db import transaction

from django_notification_system.models import DeliveryAttempt, Notification
from django_notification_system.notification_creators import email
from tests import factories
from tests.workers.conftest import sent_subjects, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def delivered(pk) -> bool:
    return Notification.objects.filter(pk=pk, status=Notification.DELIVERED).exists()


def test_creation_in_atomic_is_enqueued_on_commit_and_delivered_once(
    celery_queue, celery_workers, enqueue_on_create, fresh_coalescer
):
    enqueue_on_create("celery")
    user = factories.user("ada")
    factories.record(user, address="ada@example.com")
    factories.record(user, address="ada.work@example.com")

    with transaction.atomic():
        created = email.create_notification(user, "Welcome", "Hello Ada")
        assert len(created) == 2
        assert celery_queue.waiting() == 0  # nothing leaves before the rows are visible
    assert celery_queue.waiting() == 1  # one creator call, two rows: one deliver_due

    celery_workers.start(1)
    wait_until(
        lambda: all(delivered(n.pk) for n in created),
        what="both rows delivered",
        processes=celery_workers.processes,
    )
    celery_workers.stop()
    assert sent_subjects(celery_workers.env) == {"Welcome": 2}
    assert DeliveryAttempt.objects.filter(notification__in=created).count() == 2
    assert celery_queue.waiting() == 0


def test_a_bulk_creation_for_many_users_is_one_enqueue(
    celery_queue, enqueue_on_create, fresh_coalescer
):
    from django_notification_system.notification_creators.base import create_notifications

    enqueue_on_create("celery")
    users = [factories.user(f"bulk{i}") for i in range(30)]
    for user in users:
        factories.record(user, address=f"{user.username}@example.com")

    result = create_notifications(users, "email", "Digest", "For everyone", batch_size=7)

    assert len(result.created) == 30  # five INSERT batches
    assert celery_queue.waiting() == 1


def test_rolled_back_creation_enqueues_nothing(celery_queue, enqueue_on_create, fresh_coalescer):
    enqueue_on_create("celery")
    user = factories.user("bob")
    factories.record(user, address="bob@example.com")

    with pytest.raises(RuntimeError), transaction.atomic():
        email.create_notification(user, "Never", "Rolled back")
        raise RuntimeError("the request failed")

    assert celery_queue.waiting() == 0
    assert not Notification.objects.exists()


def test_a_burst_of_creations_is_coalesced(celery_queue, settings, fresh_coalescer):
    settings.NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE = "celery"
    settings.NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS = 30  # the window outlasts the burst
    users = [factories.user(f"burst{i}") for i in range(40)]
    for user in users:
        factories.record(user, address=f"{user.username}@example.com")

    for user in users:
        email.create_notification(user, "Burst", "One of many")

    assert Notification.objects.count() == 40
    assert celery_queue.waiting() == 1  # the first, at once; the other 39 wait for the window
    fresh_coalescer.flush_all()
    assert celery_queue.waiting() == 2  # one trailing enqueue for the whole burst


def test_future_rows_enqueue_nothing(celery_queue, enqueue_on_create, fresh_coalescer):
    from datetime import timedelta

    from django.utils import timezone

    enqueue_on_create("celery")
    user = factories.user("cy")
    factories.record(user, address="cy@example.com")
    email.create_notification(
        user, "Later", "Tomorrow", scheduled_delivery=timezone.now() + timedelta(days=1)
    )
    assert Notification.objects.count() == 1
    assert celery_queue.waiting() == 0


def test_four_celery_workers_and_a_cron_run_send_2000_rows_exactly_once(
    db_vendor, celery_queue, celery_workers, manage_py
):
    if db_vendor != "postgresql":
        pytest.skip("SKIP LOCKED claims by concurrent processes are exercised on PostgreSQL")
    rows = factories.due_notifications(2000)
    celery_workers.env["DNS_BATCH_SIZE"] = "50"
    celery_workers.start(4)

    from django_notification_system.workers.celery import deliver_due

    results = [deliver_due.delay() for _ in range(8)]
    cron = subprocess.Popen(
        [*manage_py, "process_notifications", "--batch-size", "50"],
        env=celery_workers.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    by_tasks = sum(r.get(timeout=600)["counts"].get(Notification.DELIVERED, 0) for r in results)
    out, err = cron.communicate(timeout=600)
    assert cron.returncode == 0, err
    by_cron = (
        int(re.search(r"^delivered: (\d+)$", out, re.M).group(1)) if "delivered" in out else 0
    )

    subjects = sent_subjects(celery_workers.env)
    assert sorted(subjects) == sorted(r.title for r in rows)
    assert set(subjects.values()) == {1}, [s for s, n in subjects.items() if n > 1][:5]
    assert by_tasks + by_cron == 2000
    assert Notification.objects.filter(status=Notification.DELIVERED).count() == 2000
    assert DeliveryAttempt.objects.count() == 2000


def test_beat_schedule_names_the_registered_tasks(celery_session_queue):
    from django_notification_system.workers.celery import BEAT_SCHEDULE

    app = celery_session_queue.app
    app.loader.import_default_modules()
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
    assert BEAT_SCHEDULE["notifications-cleanup"]["kwargs"] == {"days": 90}

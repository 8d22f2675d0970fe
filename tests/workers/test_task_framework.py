"""Django's task framework with its database backend and real ``db_worker`` process."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from django_notification_system.models import DeliveryAttempt, Notification
from django_notification_system.notification_creators import email
from django_notification_system.workers import tasks
from tests import factories
from tests.workers.conftest import run_db_worker, sent_subjects

pytestmark = pytest.mark.django_db(transaction=True)


def test_creation_in_atomic_is_enqueued_on_commit_and_delivered_once_by_the_db_worker(
    db_task_backend, child_env, manage_py, enqueue_on_create, fresh_coalescer
):
    enqueue_on_create("tasks")
    user = factories.user("ada")
    factories.record(user, address="ada@example.com")
    factories.record(user, address="ada.work@example.com")

    with transaction.atomic():
        created = email.create_notification(user, "Welcome", "Hello Ada")
        assert len(created) == 2
        assert not db_task_backend.objects.exists()  # nothing enqueued inside the transaction
    [queued] = db_task_backend.objects.all()  # one creator call, two rows: one task
    assert queued.task_path == "django_notification_system.workers.tasks.deliver_due"
    assert queued.args_kwargs == {"args": [], "kwargs": {"targets": ["email"]}}

    worker = run_db_worker(child_env, manage_py)
    assert worker.returncode == 0, worker.stderr

    assert sent_subjects(child_env) == {"Welcome": 2}
    assert set(
        Notification.objects.filter(pk__in=[n.pk for n in created]).values_list(
            "status", flat=True
        )
    ) == {Notification.DELIVERED}
    assert DeliveryAttempt.objects.count() == 2
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert queued.return_value["counts"] == {Notification.DELIVERED: 2}
    # The worker found nothing else to do: a second run sends nothing more.
    assert run_db_worker(child_env, manage_py).returncode == 0
    assert sent_subjects(child_env) == {"Welcome": 2}


def test_rolled_back_creation_enqueues_no_task(db_task_backend, enqueue_on_create):
    enqueue_on_create("tasks")
    user = factories.user("bob")
    factories.record(user, address="bob@example.com")

    with pytest.raises(RuntimeError), transaction.atomic():
        email.create_notification(user, "Never", "Rolled back")
        raise RuntimeError("the request failed")

    assert not db_task_backend.objects.exists()
    assert not Notification.objects.exists()


def test_tasks_run_the_command_functions_with_json_results(db_task_backend):
    from datetime import timedelta

    from django.utils import timezone

    record = factories.record(factories.user("cy"), address="cy@example.com")
    factories.notification(record, title="Due")
    old = factories.notification(
        record, title="Old", status=Notification.DELIVERED, attempted_delivery=timezone.now()
    )
    Notification.objects.filter(pk=old.pk).update(
        modified_date=timezone.now() - timedelta(days=40)
    )

    delivered = tasks.deliver_due.call(limit=10, targets=["email"])
    cleaned = tasks.cleanup_notifications.call(30)
    receipts = tasks.check_push_receipts.call()

    assert delivered["counts"] == {Notification.DELIVERED: 1}
    assert cleaned["notifications"] == 1
    assert receipts["checked"] == 0
    for result in (delivered, cleaned, receipts):
        assert json.loads(json.dumps(result)) == result


def test_bad_task_arguments_are_clear_errors(db_task_backend):
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        tasks.deliver_due.call(limit=0)
    with pytest.raises(ValueError, match="targets must be a list"):
        tasks.deliver_due.call(targets=[1])
    with pytest.raises(ValueError, match="days must be a positive integer"):
        tasks.cleanup_notifications.call(0)

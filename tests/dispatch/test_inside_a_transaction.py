"""Called inside the caller's transaction, the dispatcher runs handlers on the calling
thread and connection, so a 1.5.3 handler that saves its notification delivers it;
outside one, handlers keep running off the caller's thread with the timeout enforced."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from django_notification_system.dispatch.caller_transaction import caller_holds_transaction
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification
from django_notification_system.notification_handlers.loading import find_module
from tests import factories

#: A 1.5.3 project's handler directory (``pager.py`` saves the notification itself).
HANDLER_DIRECTORY = str(Path(__file__).resolve().parent.parent / "compat" / "project_handlers")


@pytest.fixture(autouse=True)
def pager():
    """The pager handler module as the dispatcher loads it from its directory."""
    with override_settings(NOTIFICATION_SYSTEM_HANDLERS=[HANDLER_DIRECTORY]):
        module = find_module("pager", "handlers")
        module.CALLS.clear()
        yield module


def _due_pages(count: int) -> list[Notification]:
    return [
        factories.notification(factories.record(factories.user(f"p{i}"), module_name="pager"))
        for i in range(count)
    ]


def _statuses(rows) -> set[str]:
    return set(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    )


@pytest.mark.django_db
def test_in_a_test_transaction_a_saving_handler_delivers_on_the_calling_thread(pager):
    rows = _due_pages(3)
    assert caller_holds_transaction()

    summary = process_notifications(batch_size=2)

    assert summary.counts == {"DELIVERED": 3}
    assert _statuses(rows) == {Notification.DELIVERED}
    assert {name for _, name in pager.CALLS} == {threading.current_thread().name}
    assert set(Notification.objects.values_list("claim_token", flat=True)) == {None}
    assert DeliveryAttempt.objects.filter(outcome="delivered").count() == 3


@pytest.mark.django_db(transaction=True)
def test_in_a_callers_atomic_block_the_caller_decides_what_is_committed(pager):
    rows = _due_pages(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert process_notifications().counts == {"DELIVERED": 2}
        assert _statuses(rows) == {Notification.DELIVERED}
        raise RuntimeError("the caller rolls back")
    assert _statuses(rows) == {Notification.SCHEDULED}  # nothing of the run was kept

    with transaction.atomic():
        process_notifications()
    assert _statuses(rows) == {Notification.DELIVERED}
    assert {name for _, name in pager.CALLS} == {threading.current_thread().name}


def deliver_view(request):
    summary = process_notifications()
    return HttpResponse(str(summary.counts[Notification.DELIVERED]))


urlpatterns = [path("deliver/", deliver_view)]


@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF=__name__)
def test_a_view_under_atomic_requests_delivers(client, monkeypatch, pager):
    rows = _due_pages(2)
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)

    response = client.post("/deliver/")

    assert response.content == b"2"
    assert _statuses(rows) == {Notification.DELIVERED}
    assert {name for _, name in pager.CALLS} == {threading.current_thread().name}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_handlers_run_off_the_callers_thread(pager):
    rows = _due_pages(2)
    assert not caller_holds_transaction()

    summary = process_notifications()

    assert summary.counts == {"DELIVERED": 2}
    assert _statuses(rows) == {Notification.DELIVERED}
    assert threading.current_thread().name not in {name for _, name in pager.CALLS}


@pytest.mark.django_db(transaction=True)
def test_autocommit_turned_off_by_hand_counts_as_a_transaction():
    connection.ensure_connection()
    transaction.set_autocommit(False)
    try:
        assert caller_holds_transaction()
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)
    assert not caller_holds_transaction()

"""No transaction is open while a handler runs; queries per batch do not grow with its size."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system.dispatch import claim, load
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import Notification
from tests import factories
from tests.dispatch.handlers import greeter, probe

TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", re.I)


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_a_handler_runs(make_due, db_vendor):
    make_due("probe", 3)
    connection.ensure_connection()
    # The wrapper itself (not the thread-local proxy): the dispatcher thread's connection.
    probe.DISPATCHER_CONNECTION = connections["default"]
    probe.OBSERVED.clear()
    summary = process_notifications(batch_size=2)
    assert summary.counts == {"DELIVERED": 3}
    assert len(probe.OBSERVED) == 2
    for seen in probe.OBSERVED:
        assert seen["in_atomic_block"] is False
        if db_vendor == "postgresql":
            assert seen["transaction_status"] == "IDLE"
            assert seen["idle_in_transaction"] == 0
        else:
            assert seen["write_lock_free"] is True


def _queries_for(count: int, prefix: str) -> int:
    factories.due_notifications(count, prefix=prefix)
    with CaptureQueriesContext(connection) as ctx:
        summary = process_notifications(batch_size=1000)
    assert summary.counts == {"DELIVERED": count}
    return len([q for q in ctx.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])])


@pytest.mark.django_db
def test_queries_per_batch_do_not_grow_with_batch_size(db_vendor):
    small = _queries_for(10, "small")
    large = _queries_for(120, "large")
    # claim, read back, targets (once per run), the outcome's UPDATE, the attempts'
    # INSERT, and the final empty claim; nothing grows with the batch
    assert small == large == 6


@pytest.mark.django_db
def test_handlers_get_record_and_target_without_queries(make_due):
    rows = make_due("email", 3)
    token = uuid.uuid4()
    now = timezone.now()
    assert claim.claim_batch(token, 10, due_before=now, now=now, lease=timedelta(minutes=1)) == 3
    claimed = load.claimed_notifications(token, now)
    with CaptureQueriesContext(connection) as ctx:
        for n in claimed:
            assert n.target_user_record.target.notification_module_name == "email"
            assert n.target_user_record.target_user_id.endswith("@example.com")
            assert n.user_opted_out is False
    assert ctx.captured_queries == []
    assert {n.pk for n in claimed} == {r.pk for r in rows}
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.SENDING}


def _greeter_queries(make_due, count: int) -> int:
    greeter.SEEN.clear()
    rows = make_due("greeter", count)
    with CaptureQueriesContext(connection) as ctx:
        summary = process_notifications(batch_size=1000)
    assert summary.counts == {"DELIVERED": count}
    assert sorted(greeter.SEEN) == sorted(r.target_user_record.user.get_username() for r in rows)
    return len([q for q in ctx.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])])


@pytest.mark.django_db(transaction=True)
def test_a_handler_reading_users_gets_them_in_one_query_per_batch(make_due):
    # The built-in handlers declare NEEDS_USER = False; a custom one (like this) gets the
    # batch's users loaded in bulk, so reading them costs no query per row.
    small = _greeter_queries(make_due, 5)
    large = _greeter_queries(make_due, 60)
    assert small == large == 7  # the email run's six, plus one for the users

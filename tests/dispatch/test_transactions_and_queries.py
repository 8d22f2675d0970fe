"""No transaction spans a handler call; queries per batch do not grow with its size."""

import re
import threading
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
def test_no_transaction_spans_a_handler_call(make_due, monkeypatch):
    make_due("probe", 7)
    connection.ensure_connection()
    # The wrapper itself (not the thread-local proxy): the dispatcher thread's connection.
    dispatcher = connections["default"]
    begun = []
    real_set_autocommit = dispatcher.set_autocommit

    def counting_set_autocommit(autocommit, *args, **kwargs):
        if not autocommit:
            begun.append(1)  # an outermost atomic block begins a transaction
        return real_set_autocommit(autocommit, *args, **kwargs)

    monkeypatch.setattr(dispatcher, "set_autocommit", counting_set_autocommit)
    probe.DISPATCHER_CONNECTION = dispatcher
    probe.TRANSACTIONS_BEGUN = lambda: len(begun)
    probe.OBSERVED.clear()
    summary = process_notifications(batch_size=2)
    assert summary.counts == {"DELIVERED": 7}
    assert len(probe.OBSERVED) == 4
    assert begun, "the dispatcher's transactions were not observed"
    for seen in probe.OBSERVED:
        (open_at_start, begun_at_start), (open_at_end, begun_at_end) = seen["start"], seen["end"]
        spanned = open_at_start and open_at_end and begun_at_start == begun_at_end
        assert not spanned, seen


@pytest.mark.django_db
def test_inside_a_callers_transaction_handlers_run_on_the_calling_thread(make_due):
    make_due("probe", 3)
    probe.DISPATCHER_CONNECTION = connections["default"]
    probe.TRANSACTIONS_BEGUN = lambda: 0
    probe.OBSERVED.clear()
    summary = process_notifications(batch_size=2)
    assert summary.counts == {"DELIVERED": 3}
    # The caller's transaction (the test's) is open around every call: nothing ran apart.
    assert [seen["start"][0] for seen in probe.OBSERVED] == [True, True]
    assert {seen["thread"] for seen in probe.OBSERVED} == {threading.get_ident()}


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
    # claim, read back, targets (once per run), the outcome's UPDATE, the rows still there
    # (locked: a row deleted mid-send gets no attempt), the attempts' INSERT, and the
    # final empty claim; nothing grows with the batch
    assert small == large == 7


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
    assert small == large == 8  # the email run's seven, plus one for the users

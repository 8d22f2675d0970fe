"""A record step whose COMMIT landed but whose reply was lost (the connection died in
between) is written again after reconnecting, and only once: no second DeliveryAttempt,
no row counted as a lost lease. The fault is injected at the database boundary: the real
COMMIT runs, then the driver call raises the connection error the client would see."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from django_notification_system.dispatch import record
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification

pytestmark = pytest.mark.django_db(transaction=True)  # real commits, outside any transaction

LOST = "server closed the connection unexpectedly"


@pytest.fixture
def record_step_fault(monkeypatch):
    """Make the first record step fail ``when`` it is told: "after commit" or "before commit"."""
    state = {"when": None, "armed": False}
    real_insert, real_commit = record.insert_attempts, connection._commit

    def insert_attempts(results, now):
        if state["when"] == "before commit":
            state["when"] = None
            raise OperationalError(LOST)  # the transaction is rolled back
        real_insert(results, now)
        if state["when"] == "after commit":
            state["when"], state["armed"] = None, True

    def commit():
        real_commit()  # the database has the batch now
        if state["armed"]:
            state["armed"] = False
            raise OperationalError(LOST)  # ... but the client never hears so

    monkeypatch.setattr(record, "insert_attempts", insert_attempts)
    monkeypatch.setattr(connection, "_commit", commit)
    yield state
    record._kept.clear()


def _attempts_per_row() -> Counter:
    return Counter(DeliveryAttempt.objects.values_list("notification_id", flat=True))


@pytest.mark.parametrize("when", ["after commit", "before commit"])
def test_a_batch_is_recorded_once_whether_or_not_its_commit_landed(
    make_due, record_step_fault, when
):
    rows = make_due("email", 5)
    record_step_fault["when"] = when

    with pytest.raises(OperationalError, match=LOST):
        process_notifications()
    assert record.kept_outcomes() == 5
    summary = process_notifications()  # the next pass, reconnected

    assert record.kept_outcomes() == 0
    assert summary.counts["DELIVERED"] == 5
    assert summary.lease_lost == 0
    assert _attempts_per_row() == {row.pk: 1 for row in rows}
    assert set(Notification.objects.values_list("status", flat=True)) == {"DELIVERED"}
    assert len(mail.outbox) == 5  # nothing was sent again


def test_recognising_a_landed_commit_costs_one_query_and_inserts_nothing(
    make_due, record_step_fault
):
    make_due("email", 3)
    record_step_fault["when"] = "after commit"
    with pytest.raises(OperationalError):
        process_notifications()
    [kept] = record._kept

    with CaptureQueriesContext(connection) as rewrite:
        record.record_kept_batches(kept.first_try)

    queries = [
        q["sql"]
        for q in rewrite.captured_queries
        if q["sql"].split()[0].upper() not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    ]
    # The check for attempts already stored, then the guarded UPDATE (matching no row).
    assert [q.split()[0].upper() for q in queries] == ["SELECT", "UPDATE"]
    assert "delivery_attempt" in queries[0]

"""cleanup_notifications: old final rows and their attempts go, in batches; pending rows stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system.models import DeliveryAttempt, Notification
from django_notification_system.retention import delete_old_notifications
from tests import factories

pytestmark = pytest.mark.django_db

ALL = (*Notification.FINAL_STATUSES, *Notification.PENDING_STATUSES)


def make(record, status: str, age_days: int, attempts: int = 2) -> Notification:
    """A notification in ``status``, last modified ``age_days`` ago, with ``attempts`` attempts."""
    attempted = None if status in (Notification.SCHEDULED,) else timezone.now()
    n = factories.notification(
        record,
        title=f"{status} {age_days}d",
        status=status,
        attempted_delivery=attempted,
    )
    DeliveryAttempt.objects.bulk_create(
        [DeliveryAttempt(notification=n, outcome="retry") for _ in range(attempts)]
    )
    Notification.objects.filter(pk=n.pk).update(
        modified_date=timezone.now() - timedelta(days=age_days)
    )
    return n


@pytest.fixture
def rows():
    record = factories.record()
    return {(status, age): make(record, status, age) for status in ALL for age in (5, 100)}


def remaining() -> set[tuple[str, str]]:
    return set(Notification.objects.values_list("status", "title"))


def test_deletes_only_old_final_rows_and_their_attempts(rows, capsys):
    call_command("cleanup_notifications", "--days", "30")

    kept = {
        (n.status, n.title)
        for (status, age), n in rows.items()
        if age == 5 or status in Notification.PENDING_STATUSES
    }
    assert remaining() == kept
    assert DeliveryAttempt.objects.count() == 2 * len(kept)
    assert not DeliveryAttempt.objects.filter(
        notification__status__in=Notification.FINAL_STATUSES, notification__title__endswith="100d"
    ).exists()
    out = capsys.readouterr().out
    final = len(Notification.FINAL_STATUSES)
    assert f"Deleted {final} notification(s) and {2 * final} delivery attempt(s)" in out


def test_pending_rows_are_never_deleted_even_when_ancient(rows):
    record = factories.record(factories.user("old"))
    ancient = [make(record, status, 10_000) for status in Notification.PENDING_STATUSES]
    call_command("cleanup_notifications", "--days", "1")
    assert Notification.objects.filter(pk__in=[n.pk for n in ancient]).count() == 3
    assert set(Notification.objects.values_list("status", flat=True)) == set(
        Notification.PENDING_STATUSES
    )


@pytest.mark.parametrize("status", ["SCHEDULED", "RETRY", "SENDING", "sending"])
def test_explicit_pending_status_is_an_error(rows, status):
    with pytest.raises(CommandError, match="pending and are never deleted"):
        call_command("cleanup_notifications", "--days", "30", "--status", status)
    assert Notification.objects.count() == len(rows)


def test_unknown_status_is_an_error(rows):
    with pytest.raises(CommandError, match="unknown status BOUNCED"):
        call_command("cleanup_notifications", "--days", "30", "--status", "bounced")


def test_status_narrows_and_accepts_both_spellings(rows):
    call_command(
        "cleanup_notifications",
        "--days",
        "30",
        "--status",
        "delivery_failure",
        "--status",
        "OPTED OUT",
    )
    gone = {(s, f"{s} 100d") for s in ("DELIVERY FAILURE", "OPTED OUT")}
    assert remaining() == {(n.status, n.title) for n in rows.values()} - gone


def test_call_command_keyword_form_used_by_cronjobs(rows):
    """``("30 3 * * *", "...call_command", ["cleanup_notifications"], {"days": 90})``."""
    call_command("cleanup_notifications", days=30)
    assert Notification.objects.count() == len(rows) - len(Notification.FINAL_STATUSES)


def test_dry_run_counts_and_deletes_nothing(rows, capsys):
    call_command("cleanup_notifications", "--days", "30", "--dry-run")
    assert Notification.objects.count() == len(rows)
    assert DeliveryAttempt.objects.count() == 2 * len(rows)
    final = len(Notification.FINAL_STATUSES)
    assert (
        f"Would delete {final} notification(s) and {2 * final} delivery attempt(s)"
        in capsys.readouterr().out
    )


@pytest.mark.parametrize("days", ["0", "-3"])
def test_days_must_be_positive(rows, days):
    with pytest.raises(CommandError, match="days must be a positive integer"):
        call_command("cleanup_notifications", "--days", days)


def test_deletes_in_batches_of_primary_keys():
    record = factories.record()
    old = [make(record, Notification.DELIVERED, 90, attempts=1) for _ in range(7)]
    with CaptureQueriesContext(connection) as ctx:
        result = delete_old_notifications(30, batch_size=3)
    assert (result.notifications, result.attempts, result.batches) == (7, 7, 3)
    assert not Notification.objects.filter(pk__in=[n.pk for n in old]).exists()
    deletes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('DELETE FROM "notification_system_notification"')
    ]
    assert len(deletes) == 3
    # No statement loads more than one batch of rows.
    selects = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert all("LIMIT 3" in s or "IN (" in s for s in selects), selects

"""The claim reads the due index, so its cost does not grow with the table's history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from django_notification_system.dispatch.claim import due_notifications
from django_notification_system.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def _claim_candidates_plan() -> str:
    now = timezone.now()
    return due_notifications(now, now).order_by("scheduled_delivery").values("pk")[:500].explain()


def test_sqlite_claim_searches_the_due_index_instead_of_scanning_the_table(db_vendor):
    if db_vendor != "sqlite":
        pytest.skip("SQLite's partial-index matching is what this checks")
    rows = factories.due_notifications(300)
    Notification.objects.filter(pk__in=[r.pk for r in rows[:290]]).update(
        status=Notification.DELIVERED, attempted_delivery=timezone.now()
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    plan = _claim_candidates_plan()
    assert "USING INDEX dns_notification_due_idx" in plan, plan
    assert "SCAN notification_system_notification" not in plan, plan


def test_the_literal_condition_matches_the_due_index_definition():
    index = next(i for i in Notification._meta.indexes if i.name == "dns_notification_due_idx")
    # SQLite matches the literal list term for term: keep PENDING_STATUSES in the index's order.
    assert index.condition.children == [("status__in", list(Notification.PENDING_STATUSES))]


def test_claimable_rows_are_unchanged_by_the_index_condition():
    due = factories.due_notifications(3)
    Notification.objects.filter(pk=due[0].pk).update(
        status=Notification.DELIVERED, attempted_delivery=timezone.now()
    )
    now = timezone.now()
    assert set(due_notifications(now, now).values_list("pk", flat=True)) == {
        due[1].pk,
        due[2].pk,
    }

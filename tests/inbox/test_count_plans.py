"""The badge counts read only unread (unseen) rows, whatever the user's history: PostgreSQL's
plan for them scans the partial index, and the rows it visits are the unread items (a
group's unread notifications folded into its item are not visited: the group is one)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system import inbox
from django_notification_system.models import Notification
from django_notification_system.notification_creators import in_app
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgresql_only]

HISTORY = 5000
UNREAD = 7
#: Unread notifications of one group: one inbox item.
GROUPED = 40


def plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def explain_analyze(sql: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
    document = json.loads(document) if isinstance(document, str) else document
    return list(plan_nodes(document[0]["Plan"]))


def index_of(scan: dict) -> str | None:
    """The index an (index, index-only or bitmap heap) scan reads."""
    if scan["Node Type"] == "Bitmap Heap Scan":
        (child,) = scan["Plans"]
        return child.get("Index Name")
    return scan.get("Index Name")


def history_with_unread(user, history: int, unread: int) -> None:
    """``history`` read in-app notifications of ``user``, then ``unread`` unread ones and
    ``GROUPED`` unread ones of one group."""
    (first,) = in_app.create_notification(user, "start")
    start = timezone.now() - timedelta(days=30)
    Notification.objects.bulk_create(
        Notification(
            target_user_record_id=first.target_user_record_id,
            title=f"old {i}",
            scheduled_delivery=start + timedelta(seconds=i),
            status=Notification.DELIVERED,
            attempted_delivery=start,
            read_at=start,
            seen_at=start,
        )
        for i in range(history)
    )
    Notification.objects.filter(pk=first.pk).update(read_at=start, seen_at=start)
    for i in range(unread):
        in_app.create_notification(user, f"new {i}", scheduled_delivery=timezone.now())
    # A group's notifications as they are once its item was replaced GROUPED - 1 times (the
    # superseded rows are written here directly: rows updated in this test's transaction
    # would leave entries in the index until a VACUUM, which cannot run inside it).
    Notification.objects.bulk_create(
        Notification(
            target_user_record_id=first.target_user_record_id,
            title=f"comment {i}",
            scheduled_delivery=timezone.now(),
            group_key="comments",
            superseded_at=timezone.now(),
        )
        for i in range(GROUPED - 1)
    )
    in_app.create_notification(user, "comments", group_key="comments", actor="Ann")


@pytest.mark.parametrize(
    ("count", "index"),
    [(inbox.unread_count, "dns_inbox_unread_idx"), (inbox.unseen_count, "dns_inbox_unseen_idx")],
    ids=["unread", "unseen"],
)
def test_counts_scan_the_partial_index_and_only_unread_rows(db_vendor, count, index):
    if db_vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    heavy, other = factories.user("heavy"), factories.user("other")
    history_with_unread(heavy, HISTORY, UNREAD)
    history_with_unread(other, 200, 3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notification_system_notification")
        cursor.execute("ANALYZE notification_system_target_user_record")

    with CaptureQueriesContext(connection) as ctx:
        assert count(heavy) == UNREAD + 1
    (query,) = ctx.captured_queries  # one query, explained as it was sent
    nodes = explain_analyze(query["sql"])
    scans = [n for n in nodes if n.get("Relation Name") == "notification_system_notification"]
    assert [index_of(n) for n in scans] == [index], json.dumps(nodes, indent=1)
    # The scan visited the unread items of this user, not the 5,000 rows of history nor
    # the notifications folded into the group's item.
    (scan,) = scans
    assert scan["Actual Rows"] * scan["Actual Loops"] == UNREAD + 1
    assert scan.get("Rows Removed by Filter", 0) == 0
    assert scan.get("Rows Removed by Index Recheck", 0) == 0


def test_both_counts_in_one_query_scan_the_two_partial_indexes(db_vendor):
    if db_vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    heavy = factories.user("heavy")
    history_with_unread(heavy, HISTORY, UNREAD)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notification_system_notification")
    with CaptureQueriesContext(connection) as ctx:
        assert inbox.counts(heavy) == {"unread": UNREAD + 1, "unseen": UNREAD + 1}
    (query,) = ctx.captured_queries
    nodes = explain_analyze(query["sql"])
    scans = [n for n in nodes if n.get("Relation Name") == "notification_system_notification"]
    assert sorted(index_of(n) for n in scans) == ["dns_inbox_unread_idx", "dns_inbox_unseen_idx"]
    assert sum(n["Actual Rows"] * n["Actual Loops"] for n in scans) == 2 * (UNREAD + 1)

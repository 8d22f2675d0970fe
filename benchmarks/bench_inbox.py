"""Inbox benchmark on PostgreSQL: badge counts and the first API page at a million rows.

Seeds 1,000,000 in-app notifications: 10,000 users with 90 each (5 unread) plus one heavy
user with 100,000 (1,000 unread), then measures, for the heavy user, ``unread_count`` and
the first page of ``GET inbox/`` through Django's test client (median and p95 over 200
calls), ``mark_all_read``, and the worst case of 100,000 unread items; and fan-out creation
of one in-app notification to the 10,000 users (records created on first use, then again):

    DNS_TEST_DB=postgresql .venv/bin/python benchmarks/bench_inbox.py

Runs on a throwaway database made by Django's test machinery. Aims: ``unread_count`` p95
under 5 ms, first page p95 under 20 ms, fan-out at most 3 queries per 1,000 recipients.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DNS_TEST_DB", "postgresql")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from django_notification_system import inbox  # noqa: E402
from django_notification_system.models import Notification, TargetUserRecord  # noqa: E402
from django_notification_system.notification_creators.base import (  # noqa: E402
    create_notifications,
)

USERS = int(os.environ.get("BENCH_USERS", "10000"))
PER_USER = int(os.environ.get("BENCH_PER_USER", "90"))
UNREAD_PER_USER = 5
HEAVY = int(os.environ.get("BENCH_HEAVY", "100000"))
HEAVY_UNREAD = 1000
CALLS = int(os.environ.get("BENCH_CALLS", "200"))
FIRST_PAGE = "/api/notifications/inbox/"


class QueryCounter:
    """Counts every statement sent to the database."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(work) -> tuple[float, int, object]:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    return seconds, counter.count, result


def latencies(work, calls: int = CALLS) -> tuple[float, float, float]:
    """Median and p95 wall-clock time of ``calls`` runs of ``work`` (after 10 warm-ups), and
    the median CPU time this process spent, in milliseconds. On a loaded machine the wall
    clock mostly measures waiting for a CPU; the CPU time does not."""
    for _ in range(10):
        work()
    samples, cpu = [], []
    for _ in range(calls):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return (
        statistics.median(samples),
        statistics.quantiles(samples, n=20)[-1],
        statistics.median(cpu),
    )


def history_sql(records_sql: str, per_record: int, unread: int) -> tuple[str, list]:
    """``INSERT ... SELECT`` of ``per_record`` delivered in-app rows for each record of
    ``records_sql``, the newest ``unread`` of them unread, one per minute back in time."""
    qn = connection.ops.quote_name
    now = timezone.now()
    computed = {
        "id": "gen_random_uuid()",
        "target_user_record_id": "r.id",
        "title": "'History ' || g",
        "scheduled_delivery": "%s - make_interval(mins => g)",
        "attempted_delivery": "%s - make_interval(mins => g)",
        "read_at": f"CASE WHEN g > {unread} THEN %s END",
        "seen_at": f"CASE WHEN g > {unread} THEN %s END",
        "status": "'DELIVERED'",
    }
    columns, selects, params = [], [], []
    for field in Notification._meta.concrete_fields:
        columns.append(qn(field.column))
        if field.attname in computed:
            selects.append(computed[field.attname])
            params += [now] * computed[field.attname].count("%s")
        else:
            selects.append(f"CAST(%s AS {field.db_type(connection)})")
            default = field.get_default() if field.has_default() else None
            if field.attname in ("created_date", "modified_date"):
                default = now
            params.append(field.get_db_prep_save(default, connection))
    sql = (
        f"INSERT INTO {qn(Notification._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM ({records_sql}) r "
        f"CROSS JOIN generate_series(1, {per_record}) g"
    )
    return sql, params


def seed() -> tuple[object, list]:
    User = get_user_model()
    User.objects.bulk_create([User(username=f"bench{i}") for i in range(USERS)])
    heavy = User.objects.create_user("heavy", password="bench")
    users = list(User.objects.exclude(pk=heavy.pk).order_by("pk"))
    return heavy, users


def load_history(heavy) -> float:
    started = time.perf_counter()
    create_notifications([heavy], "in_app", "Welcome")  # gives the heavy user a record
    record = TargetUserRecord._meta.db_table
    with connection.cursor() as cursor:
        for where, per_record, unread in (
            (f"user_id <> {heavy.pk}", PER_USER, UNREAD_PER_USER),
            (f"user_id = {heavy.pk}", HEAVY, HEAVY_UNREAD),
        ):
            sql, params = history_sql(f"SELECT id FROM {record} WHERE {where}", per_record, unread)
            cursor.execute(sql, params)
        cursor.execute("VACUUM ANALYZE notification_system_notification")
    return time.perf_counter() - started


def fan_out(users: list, label: str) -> str:
    """One in-app notification to every user of ``users``: time and queries."""
    seconds, queries, result = timed(
        lambda: create_notifications(users, "in_app", label, url="/news")
    )
    per_thousand = queries / (len(result.created) / 1000)
    return (
        f"{label:<52} {seconds:>6.2f} s  {queries:>2} queries "
        f"({per_thousand:.2f} per 1,000 recipients, {len(result.created):,} created)"
    )


def explain(heavy) -> dict[str, float]:
    """Execution time inside PostgreSQL (``EXPLAIN ANALYZE``, ms) of the heavy user's count
    and first-page queries, a figure the load of a shared machine hardly moves; with
    ``BENCH_EXPLAIN=1`` the plans are printed too."""
    from django.test.utils import CaptureQueriesContext

    from django_notification_system.api.views import LISTED_FIELDS

    with CaptureQueriesContext(connection) as ctx:
        inbox.unread_count(heavy)
        list(inbox.inbox(heavy).only(*LISTED_FIELDS)[:21])
    executions = {}
    with connection.cursor() as cursor:
        for label, query in zip(("unread_count", "first page"), ctx.captured_queries, strict=True):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            executions[label] = float(plan.rsplit("Execution Time: ", 1)[1].split()[0])
            if os.environ.get("BENCH_EXPLAIN"):
                sys.stdout.write(f"-- {label}\n{plan}\n")
    return executions


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench_inbox measures PostgreSQL: run it with DNS_TEST_DB=postgresql")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_inbox_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    out = sys.stdout.write
    try:
        heavy, users = seed()
        lines = [fan_out(users, "fan-out, records created on first use (empty table)")]
        loading = load_history(heavy)
        total = Notification.objects.count()
        out(
            f"bench_inbox: {total:,} in-app notifications, {USERS:,} users with {PER_USER} "
            f"each ({UNREAD_PER_USER} unread) + one with {HEAVY:,} ({HEAVY_UNREAD:,} unread); "
            f"PostgreSQL {connection.pg_version // 10000}; seeded in {loading:.0f} s\n"
        )
        lines.append(fan_out(users, "fan-out, records exist (full table)"))
        for line in lines:
            out(line + "\n")

        client = Client()
        client.force_login(heavy)
        explain(heavy)  # warms the same pages the timed calls read
        in_database = explain(heavy)

        def first_page():
            response = client.get(FIRST_PAGE)
            assert response.status_code == 200 and len(response.json()["results"]) == 20

        rows = [
            (
                f"unread_count ({inbox.unread_count(heavy):,} unread)",
                latencies(lambda: inbox.unread_count(heavy)),
            ),
            ("first API page (20 items, 3 queries)", latencies(first_page)),
        ]
        seconds, queries, changed = timed(lambda: inbox.mark_all_read(heavy))
        marked = f"mark_all_read: {changed:,} rows in {seconds * 1000:.1f} ms, {queries} query"

        Notification.objects.filter(target_user_record__user=heavy).update(
            read_at=None, seen_at=None
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE notification_system_notification")
        rows.append(
            (
                f"unread_count, worst case ({inbox.unread_count(heavy):,} unread)",
                latencies(lambda: inbox.unread_count(heavy), calls=50),
            )
        )
        rows.append(
            (
                "unread_count(limit=100), worst case",
                latencies(lambda: inbox.unread_count(heavy, limit=100)),
            )
        )
        rows.append(("first API page, worst case", latencies(first_page, calls=50)))
        seconds, queries, changed = timed(lambda: inbox.mark_all_read(heavy))
        worst = f"mark_all_read: {changed:,} rows in {seconds * 1000:.0f} ms, {queries} query"
    finally:
        if os.environ.get("BENCH_KEEP"):
            out(f"kept database {connection.settings_dict['NAME']}\n")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    out(f"{'heavy user':<45} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>8}\n")
    for label, (median, p95, cpu) in rows:
        out(f"{label:<45} {median:>10.2f} {p95:>8.2f} {cpu:>8.2f}\n")
    out(marked + "\n" + worst + "\n")
    out(
        "inside PostgreSQL (EXPLAIN ANALYZE execution): "
        + ", ".join(f"{label} {ms:.2f} ms" for label, ms in in_database.items())
        + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n"
    )


if __name__ == "__main__":
    main()

"""Dispatch throughput, queries and memory, against the transport ceiling.

    .venv/bin/python benchmarks/bench_dispatch.py [--n 5000] [--db sqlite|postgresql]

N due email notifications go through ``process_notifications`` and Django's locmem
email backend. The ceiling is the same messages, built by the same email handler
code and sent through the same backend in batches of the same size, with no
database at all, measured in the same run (interleaved rounds, best of each, since
the machine may be shared). The email channel's ``concurrency`` is 1 here: with no I/O
to wait on, more sender threads only contend for the GIL. Peak memory (tracemalloc) is
measured at 10,000 and 100,000 due rows (``--no-memory`` skips it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(db: str) -> str:
    import django
    from django.conf import settings

    if db == "postgresql":
        database = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": f"bench_dns_{os.getpid()}",
            "USER": "postgres",
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": "5432",
        }
        _create_postgres_database(database["NAME"])
    else:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django_notification_system",
        ],
        DATABASES={"default": database},
        USE_TZ=True,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEFAULT_FROM_EMAIL="bench@example.com",
        # One connection: the locmem backend does no I/O, so more sender threads would only
        # contend for the GIL, on both sides of the comparison.
        NOTIFICATION_SYSTEM_TARGETS={
            "email": {"from_email": "bench@example.com", "concurrency": 1}
        },
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return database["NAME"]


def _create_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')


def _drop_postgres_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')


def reset(count: int) -> None:
    """Exactly ``count`` due email notifications in the database, nothing else."""
    from django.contrib.auth import get_user_model

    from django_notification_system.models import DeliveryAttempt, Notification, TargetUserRecord
    from tests import factories

    DeliveryAttempt.objects.all().delete()
    Notification.objects.all().delete()
    TargetUserRecord.objects.all().delete()
    get_user_model().objects.all().delete()
    factories.due_notifications(count)


def in_memory_notifications(count: int) -> list:
    """The same notifications as ``reset`` creates, built in memory only (no database)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from django_notification_system.models import (
        Notification,
        NotificationTarget,
        TargetUserRecord,
    )

    target = NotificationTarget(name="Email", notification_module_name="email")
    now = timezone.now()
    rows = []
    for i in range(count):
        user = get_user_model()(username=f"u{i}", email=f"u{i}@example.com")
        record = TargetUserRecord(user=user, target=target, target_user_id=user.email)
        rows.append(
            Notification(
                target_user_record=record, title=f"n{i}", body="<p>hi</p>", scheduled_delivery=now
            )
        )
    return rows


def clear_outbox() -> None:
    from django.core import mail

    mail.outbox = []


def ceiling_rate(count: int, batch_size: int) -> float:
    """Notifications/second of the email handler + locmem backend alone."""
    from django_notification_system.notification_handlers import email

    rows = in_memory_notifications(count)
    clear_outbox()
    started = time.perf_counter()
    for start in range(0, count, batch_size):
        email.send_batch(rows[start : start + batch_size])
        clear_outbox()
    return count / (time.perf_counter() - started)


def dispatch(count: int) -> tuple[float, int, float]:
    """(notifications/second, queries, seconds in SQL statements) of one run.

    The statement time is what the database driver spent executing (autocommit
    statements include their commit; the COMMIT of an explicit transaction is not
    counted): it shows how much of the dispatcher's own cost is the database's.
    """
    from django.db import connection

    from django_notification_system.dispatch.run import process_notifications
    from django_notification_system.signals import batch_recorded

    queries = 0
    in_sql = 0.0

    def count_queries(execute, sql, params, many, context):
        nonlocal queries, in_sql
        queries += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_sql += time.perf_counter() - started

    def empty_outbox(**kwargs):
        clear_outbox()

    batch_recorded.connect(empty_outbox)
    try:
        with connection.execute_wrapper(count_queries):
            started = time.perf_counter()
            summary = process_notifications()
            elapsed = time.perf_counter() - started
    finally:
        batch_recorded.disconnect(empty_outbox)
    assert summary.counts == {"DELIVERED": count}, summary.counts
    return count / elapsed, queries, in_sql


def peak_memory(count: int) -> int:
    """Peak bytes allocated while dispatching ``count`` due rows."""
    from django_notification_system.dispatch.run import process_notifications
    from django_notification_system.signals import batch_recorded

    def empty_outbox(**kwargs):
        clear_outbox()

    reset(count)
    batch_recorded.connect(empty_outbox)
    tracemalloc.start()
    try:
        summary = process_notifications()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        batch_recorded.disconnect(empty_outbox)
    assert summary.counts == {"DELIVERED": count}, summary.counts
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="due notifications (default 5000)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="best of N rounds (default 3)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    args = parser.parse_args()
    name = configure(args.db)
    try:
        from django.db import connection

        from django_notification_system import conf

        batch_size = conf.batch_size()
        out = sys.stdout.write
        version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
        out(f"database: {connection.vendor} {version}\n")
        reset(500)  # warm-up: imports, compiled regexes, connection set-up
        dispatch(500)
        ceiling_rate(500, batch_size)
        ceilings, runs = [], []
        for _ in range(args.rounds):  # interleaved, best of each: the machine may be shared
            reset(args.n)
            ceilings.append(ceiling_rate(args.n, batch_size))
            runs.append(dispatch(args.n))
        ceiling = max(ceilings)
        rate, queries, in_sql = max(runs)
        per = 1e6 / args.n  # microseconds per notification, from seconds per run
        out(f"due notifications:        {args.n} (batch size {batch_size})\n")
        out(f"rounds:                   {args.rounds} (best of each)\n")
        out(f"transport ceiling:        {ceiling:,.0f} notifications/s (no database)\n")
        out(f"process_notifications:    {rate:,.0f} notifications/s\n")
        out(f"ratio to ceiling:         {rate / ceiling:.0%}\n")
        transport_us, total_us = 1e6 / ceiling, 1e6 / rate
        out(
            f"per notification:         {total_us:.0f} us = transport {transport_us:.0f} us"
            f" + dispatcher {total_us - transport_us:.0f} us"
            f" (of which {in_sql * per:.0f} us in SQL statements)\n"
        )
        out(f"queries:                  {queries} ({queries / args.n:.4f} per notification)\n")
        if not args.no_memory:
            for count in (10_000, 100_000):
                out(f"peak memory at {count:>7,} due: {peak_memory(count) / 2**20:,.1f} MiB\n")
    finally:
        if args.db == "postgresql":
            _drop_postgres_database(name)


if __name__ == "__main__":
    main()

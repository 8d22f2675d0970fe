"""Creation benchmark: one notification for N users (default 10,000), bulk core vs a loop,
without a category and with one (10% of the users have a preference row turning it off).

Runs on a throwaway database made by Django's test machinery (``DNS_TEST_DB=sqlite`` by
default, or ``postgresql``) and prints seconds, queries and queries per 1,000 users for each
way side by side:

    .venv/bin/python benchmarks/bench_create.py            # BENCH_USERS=10000
    BENCH_LOOP=0 .venv/bin/python benchmarks/bench_create.py   # skip the slow per-user loop
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DNS_TEST_DB", "sqlite")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from django_notification_system.models import (  # noqa: E402
    Notification,
    NotificationPreference,
    TargetUserRecord,
)
from django_notification_system.notification_creators import email  # noqa: E402
from django_notification_system.notification_creators.base import (  # noqa: E402
    create_notifications,
)
from tests import factories  # noqa: E402

USERS = int(os.environ.get("BENCH_USERS", "10000"))
CATEGORIES = {"comments": {"label": "Comments", "defaults": {"email": True}}}
#: Users per chunk in the "chunks of 1,000" rows.
CHUNK = 1000
LOOP = os.environ.get("BENCH_LOOP", "1") != "0"


class QueryCounter:
    """Counts every statement sent to the database (no 9,000-query log limit)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(label: str, work) -> tuple[str, float, int, int]:
    counter = QueryCounter()
    before = Notification.objects.count()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
    created = Notification.objects.count() - before
    Notification.objects.all().delete()
    return label, seconds, counter.count, created


def seed(count: int) -> list:
    User = get_user_model()
    User.objects.bulk_create([User(username=f"bench{i}") for i in range(count)])
    users = list(User.objects.order_by("pk"))
    target = factories.target("email")
    TargetUserRecord.objects.bulk_create(
        [TargetUserRecord(user=u, target=target, target_user_id=f"{u.username}@x") for u in users]
    )
    # One user in ten turned the category off, alternating the kinds of row.
    kinds = [("comments", "email"), ("comments", "*"), ("*", "email"), ("*", "*")]
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                user=u, category=kinds[i % 4][0], channel=kinds[i % 4][1], enabled=False
            )
            for i, u in enumerate(users[::10])
        ]
    )
    return users


def main() -> None:
    vendor = connection.vendor
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if vendor == "sqlite":
        test_settings["NAME"] = str(Path(tempfile.mkdtemp()) / "bench_create.sqlite3")
    else:
        test_settings["NAME"] = f"bench_create_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        users = seed(USERS)
        when = timezone.now()
        User = get_user_model()
        every = User.objects.all()

        def bulk(users_, category=None, batch_size=5000):
            return lambda: create_notifications(
                users_,
                "email",
                "T",
                "B",
                scheduled_delivery=when,
                category=category,
                batch_size=batch_size,
            )

        with override_settings(NOTIFICATION_SYSTEM_CATEGORIES=CATEGORIES):
            rows = [
                measure("bulk core, QuerySet", bulk(every)),
                measure("  with category", bulk(every, "comments")),
                measure("bulk core, list of users", bulk(users)),
                measure("  with category", bulk(users, "comments")),
                measure("bulk core, chunks of 1,000", bulk(users, batch_size=CHUNK)),
                measure("  with category", bulk(users, "comments", CHUNK)),
            ]
            if LOOP:
                rows.append(
                    measure(
                        "loop of create_notification",
                        lambda: [
                            email.create_notification(u, "T", "B", scheduled_delivery=when)
                            for u in users
                        ],
                    )
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    out = sys.stdout.write
    out(
        f"bench_create: {USERS} users, one email record each, database {vendor}; "
        "'with category': 10% of the users have a preference row turning it off\n"
    )
    out(f"{'way':<30} {'seconds':>9} {'queries':>9} {'per 1k users':>13} {'created':>9}\n")
    for label, seconds, queries, created in rows:
        per_thousand = queries * 1000 / USERS
        out(f"{label:<30} {seconds:>9.2f} {queries:>9} {per_thousand:>13.1f} {created:>9}\n")


if __name__ == "__main__":
    main()

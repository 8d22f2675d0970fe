"""Cost of the delivery rules: idempotency keys at creation, quiet hours at dispatch.

Runs on a throwaway database made by Django's test machinery (``DNS_TEST_DB=sqlite`` by
default, or ``postgresql``) and prints seconds and queries:

    .venv/bin/python benchmarks/bench_rules.py            # BENCH_USERS=10000

Creation: one email for every user without a key, with a key (first call) and the same
call repeated (every user a duplicate). Dispatch: the quiet-hours step over one claimed
batch of 500 Twilio rows whose users are all inside their quiet hours (best of 5).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
import zoneinfo
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DNS_TEST_DB", "sqlite")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from django_notification_system.dispatch.claim import claim_batch  # noqa: E402
from django_notification_system.dispatch.load import claimed_notifications  # noqa: E402
from django_notification_system.models import (  # noqa: E402
    Notification,
    NotificationUserSettings,
    TargetUserRecord,
)
from django_notification_system.notification_creators.base import (  # noqa: E402
    create_notifications,
)
from django_notification_system.quiet_hours.hold import hold_for_quiet_hours  # noqa: E402
from tests import factories  # noqa: E402

USERS = int(os.environ.get("BENCH_USERS", "10000"))
BATCH = 500


class QueryCounter:
    """Counts every statement sent to the database."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(work) -> tuple[float, int]:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        work()
        return time.perf_counter() - started, counter.count


def seed(count: int) -> list:
    User = get_user_model()
    User.objects.bulk_create([User(username=f"bench{i}") for i in range(count)])
    users = list(User.objects.order_by("pk"))
    for module_name in ("email", "twilio"):
        target = factories.target(module_name)
        TargetUserRecord.objects.bulk_create(
            [TargetUserRecord(user=u, target=target, target_user_id=f"{u.pk}") for u in users]
        )
    now = timezone.now().astimezone(zoneinfo.ZoneInfo("Australia/Sydney"))
    NotificationUserSettings.objects.bulk_create(
        [
            NotificationUserSettings(
                user=u,
                timezone="Australia/Sydney",
                quiet_hours_start=(now - timedelta(hours=1)).time(),
                quiet_hours_end=(now + timedelta(hours=1)).time(),
            )
            for u in users
        ]
    )
    return users


def creation_rows(users) -> list[tuple[str, float, int]]:
    when = timezone.now()
    rows = []
    for label, key in [("no key", None), ("with a key, first call", "k"), ("same key again", "k")]:
        seconds, queries = timed(
            lambda key=key: create_notifications(
                users, "email", "T", "B", scheduled_delivery=when, idempotency_key=key
            )
        )
        rows.append((f"create {len(users)}: {label}", seconds, queries))
        if key is None:
            Notification.objects.all().delete()
    Notification.objects.all().delete()
    return rows


def hold_row(users) -> tuple[str, float, int]:
    best = None
    for _ in range(5):
        create_notifications(users[:BATCH], "twilio", "T", "B")
        token, now = uuid.uuid4(), timezone.now()
        claim_batch(token, BATCH, due_before=now, now=now, lease=timedelta(minutes=5))
        to_send = {"twilio": claimed_notifications(token, now)}
        result = timed(lambda t=token, rows=to_send: hold_for_quiet_hours(t, rows, timezone.now()))
        if to_send:
            raise RuntimeError("every row should have been held")
        best = result if best is None or result[0] < best[0] else best
        Notification.objects.all().delete()
    return f"quiet-hours step, {BATCH} rows held", *best


def main() -> None:
    vendor = connection.vendor
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if vendor == "sqlite":
        test_settings["NAME"] = str(Path(tempfile.mkdtemp()) / "bench_rules.sqlite3")
    else:
        test_settings["NAME"] = f"bench_rules_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        users = seed(USERS)
        rows = [*creation_rows(users), hold_row(users)]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    out = sys.stdout.write
    out(f"bench_rules: {USERS} users, database {vendor}\n")
    out(f"{'what':<40} {'seconds':>9} {'queries':>9}\n")
    for label, seconds, queries in rows:
        out(f"{label:<40} {seconds:>9.3f} {queries:>9}\n")


if __name__ == "__main__":
    main()

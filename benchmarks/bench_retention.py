"""Retention throughput and memory: delete_old_notifications in batches vs one big delete.

Prints rows deleted per second and the Python heap peak (tracemalloc) for each way, on the
database chosen by DNS_TEST_DB (sqlite by default), in a throwaway database.
Usage: .venv/bin/python benchmarks/bench_retention.py [rows]
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["TEST"] = {
    "NAME": str(Path("/tmp") / "dns-bench-retention.sqlite3")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    else "bench_dns_retention"
}
django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from django_notification_system.models import DeliveryAttempt, Notification  # noqa: E402
from django_notification_system.retention import delete_old_notifications  # noqa: E402
from tests import factories  # noqa: E402


def seed(rows: int) -> None:
    """``rows`` old DELIVERED notifications with one attempt each, plus 10% pending ones."""
    Notification.objects.all().delete()
    created = factories.due_notifications(rows, prefix=f"b{time.monotonic_ns()}-")
    now = timezone.now()
    old = now - timedelta(days=400)
    pending = [n.pk for n in created[: rows // 10]]
    Notification.objects.exclude(pk__in=pending).update(
        status=Notification.DELIVERED, attempted_delivery=now
    )
    Notification.objects.update(modified_date=old)
    DeliveryAttempt.objects.bulk_create(
        [DeliveryAttempt(notification_id=n.pk, outcome="delivered") for n in created],
        batch_size=5000,
    )


def measure(label: str, delete) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    deleted = delete()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sys.stdout.write(
        f"{label:<34} {deleted:>7} notifications  {seconds:6.2f} s  "
        f"{deleted / seconds:8.0f} rows/s  heap peak {peak / 2**20:6.1f} MiB\n"
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    connection.creation.create_test_db(verbosity=0)
    try:
        sys.stdout.write(f"retention on {connection.vendor}, {rows} rows (90% deletable)\n")
        for batch_size in (500, 2000):
            seed(rows)
            measure(
                f"delete_old_notifications batch={batch_size}",
                lambda b=batch_size: delete_old_notifications(30, batch_size=b).notifications,
            )
            assert Notification.objects.count() == rows // 10
        seed(rows)
        measure(
            "one QuerySet.delete() (comparison)",
            lambda: Notification.objects.filter(
                status=Notification.DELIVERED,
                modified_date__lt=timezone.now() - timedelta(days=30),
            ).delete()[1][Notification._meta.label],
        )
    finally:
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()

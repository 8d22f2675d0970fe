"""Digest flush throughput: held items across many users turned into one digest each.

Seeds ``users`` users with ``per_user`` HELD items each (closed windows), then times
``flush_due_digests`` alone (claim + read + preference re-check + render + create + link)
and prints digests per second, queries per digest and the Python heap peak (tracemalloc),
on the database chosen by DNS_TEST_DB (sqlite by default), in a throwaway database.
Sending the digests is the dispatcher's ordinary work, measured by bench_dispatch.py.
Usage: .venv/bin/python benchmarks/bench_digest.py [users] [per_user] [batch_size]
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
    "NAME": str(Path("/tmp") / "dns-bench-digest.sqlite3")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    else "bench_dns_digest"
}
settings.NOTIFICATION_SYSTEM_CATEGORIES = {
    "comments": {"label": "comments", "digest": {"channels": ["email"], "window": 3600}},
}
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from django_notification_system.digests import flush_due_digests  # noqa: E402
from django_notification_system.models import Notification  # noqa: E402
from tests import factories  # noqa: E402


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    per_user = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    batch_size = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        factories.held_digest_items(users, per_user, prefix="bench")
        sys.stdout.write(
            f"digest flush on {connection.vendor}: {users} users x {per_user} held items, "
            f"{batch_size} windows per batch\n"
        )
        tracemalloc.start()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            summary = flush_due_digests(
                batch_size=batch_size, lease=timedelta(seconds=600), now=timezone.now()
            )
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert summary.digests == users and summary.items == users * per_user, summary
        assert Notification.objects.filter(is_digest=True).count() == users
        sys.stdout.write(
            f"{summary.digests} digests carrying {summary.items} items in {seconds:.2f} s: "
            f"{summary.digests / seconds:.0f} digests/s, {summary.items / seconds:.0f} items/s, "
            f"{len(queries) / summary.digests:.3f} queries per digest "
            f"({len(queries)} in all), heap peak {peak / 2**20:.1f} MiB\n"
        )
    finally:
        connection.creation.destroy_test_db(
            settings.DATABASES["default"]["NAME"], verbosity=0, keepdb=False
        )


if __name__ == "__main__":
    main()

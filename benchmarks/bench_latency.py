"""Creation-to-DELIVERED latency: enqueue on create with a Celery worker over Redis, next
to cron every minute.

500 email notifications are created one by one at a steady rate (default 10 per second)
with ``NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE = "celery"`` (default coalescing window) and
one real Celery worker process (solo pool) over the local Redis; latency is each row's
``modified_date`` (written when DELIVERED is recorded) minus its ``created_date``, both
from the database. The cron figures are for the same creation instants: the wait until the
next minute plus the measured duration of one ``process_notifications`` run over a
minute's worth of rows. Database from DNS_TEST_DB (sqlite by default), a throwaway one.
Usage: .venv/bin/python benchmarks/bench_latency.py [count] [per_second]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["DNS_CELERY_QUEUE"] = f"dns-bench-latency-{uuid.uuid4().hex[:8]}"

import django  # noqa: E402
from django.conf import settings  # noqa: E402

sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
settings.DATABASES["default"]["TEST"] = {
    "NAME": str(Path(tempfile.gettempdir()) / "dns-bench-latency.sqlite3")
    if sqlite
    else "bench_dns_latency"
}
django.setup()

from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402

from django_notification_system.dispatch.run import process_notifications  # noqa: E402
from django_notification_system.models import Notification  # noqa: E402
from django_notification_system.notification_creators import email  # noqa: E402
from django_notification_system.workers import enqueue  # noqa: E402
from tests import factories  # noqa: E402
from tests.workers.celery_app import app  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_worker(ready: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        DNS_DB_NAME=str(settings.DATABASES["default"]["NAME"]),
        DNS_CELERY_READY_FILE=str(ready),
        PYTHONPATH=str(ROOT),
    )
    command = [sys.executable, "-m", "celery", "-A", "tests.workers.celery_app", "-q", "worker"]
    command += ["--pool=solo", "-Q", os.environ["DNS_CELERY_QUEUE"], "--loglevel=WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    log = ready.with_suffix(".log").open("w")
    worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not ready.exists():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the Celery worker did not start")
        time.sleep(0.05)
    return worker


def celery_latencies(count: int, per_second: float) -> list[float]:
    """Create ``count`` rows at ``per_second``; seconds from creation to DELIVERED of each."""
    user = factories.user("latency")
    factories.record(user, address="latency@example.com")
    ready = Path(tempfile.gettempdir()) / f"{os.environ['DNS_CELERY_QUEUE']}.ready"
    worker = start_worker(ready)
    try:
        with override_settings(NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE="celery"):
            started = time.monotonic()
            for i in range(count):
                time.sleep(max(0.0, started + i / per_second - time.monotonic()))
                email.create_notification(user, f"latency {i}", "body")
            enqueue.coalescer.flush_all()
        deadline = time.monotonic() + 120
        while Notification.objects.exclude(status=Notification.DELIVERED).exists():
            if time.monotonic() > deadline:
                raise SystemExit("not every notification was delivered within 120 s")
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        ready.unlink(missing_ok=True)
    rows = Notification.objects.values_list("created_date", "modified_date")
    return [(delivered - created).total_seconds() for created, delivered in rows]


def cron_run_seconds(rows_per_minute: int) -> float:
    """Duration of one process_notifications run over a minute's worth of due rows."""
    Notification.objects.all().delete()
    factories.due_notifications(rows_per_minute, prefix="cron")
    started = time.perf_counter()
    process_notifications()
    return time.perf_counter() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    per_second = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    connection.creation.create_test_db(verbosity=0)
    try:
        latencies = celery_latencies(count, per_second)
        run = cron_run_seconds(int(per_second * 60))
    finally:
        app.connection_for_write().default_channel.client.delete(os.environ["DNS_CELERY_QUEUE"])
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)
    # Creation instants spread evenly over a minute wait 60 * k / count seconds for cron.
    cron = [60 * (1 - (i + 0.5) / count) + run for i in range(count)]
    sys.stdout.write(
        f"latency on {connection.vendor}, {count} notifications created one by one at "
        f"{per_second:g}/s\n"
    )
    for label, values in (
        ("celery worker, enqueue on create", latencies),
        ("cron every minute", cron),
    ):
        sys.stdout.write(
            f"{label:<34} p50 {statistics.median(values):7.3f} s  "
            f"p95 {percentile(values, 0.95):7.3f} s  max {max(values):7.3f} s\n"
        )
    sys.stdout.write(f"(one cron run over {int(per_second * 60)} due rows took {run:.2f} s)\n")


if __name__ == "__main__":
    main()

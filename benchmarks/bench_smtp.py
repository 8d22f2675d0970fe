"""Email throughput through a real SMTP relay on loopback that answers each message late.

    make bench-venv       # benchmarks/.venv: this package, aiosmtpd and django-post-office
    benchmarks/.venv/bin/python benchmarks/bench_smtp.py [--n 2000] [--latency 0.01]
                                                         [--db sqlite|postgresql]

An aiosmtpd relay in its own process answers every message after ``--latency`` seconds.
For each concurrency (1, 5, the email channel's default, 16) the same run measures:

* the bare transport: the same messages, built by the same email handler code, sent over
  that many Django SMTP connections (opened once, one thread each), no database;
* ``process_notifications`` over the same number of connections, N due rows in the database;

and, once, django-post-office with its defaults (``send_queued_mail_until_done``, 5
threads), when it is installed (it is not a dependency of this package: ``make bench-venv``
installs it into the benchmark's own environment). Rates are messages per second; compare
ratios, the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def serve_relay(port: int, latency: float) -> None:
    """Run the relay until killed (the benchmark's child process)."""
    from tests.fakes.smtp import FakeSMTP

    relay = FakeSMTP(latency=latency)
    relay.port = port
    with relay:
        threading.Event().wait()


def start_relay(latency: float) -> tuple[subprocess.Popen, int]:
    from tests.fakes.smtp import free_port

    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--relay", str(port), "--latency", str(latency)]
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return child, port
        except OSError:
            time.sleep(0.05)
    child.kill()
    raise RuntimeError("the relay did not start")


def configure(db: str, port: int) -> str:
    import bench_dispatch
    import django
    from django.conf import settings

    apps = ["django.contrib.auth", "django.contrib.contenttypes", "django_notification_system"]
    if _post_office_installed():
        apps.append("post_office")
    if db == "postgresql":
        name = f"bench_smtp_{os.getpid()}"
        bench_dispatch._create_postgres_database(name)
        database = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": "postgres",
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": "5432",
        }
    else:
        import tempfile

        name = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    settings.configure(
        INSTALLED_APPS=apps,
        DATABASES={"default": database},
        USE_TZ=True,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        DEFAULT_FROM_EMAIL="bench@example.com",
        NOTIFICATION_SYSTEM_TARGETS={"email": {"from_email": "bench@example.com"}},
        POST_OFFICE={"BACKENDS": {"default": "django.core.mail.backends.smtp.EmailBackend"}},
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return name


def _post_office_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("post_office") is not None


def bare_transport(count: int, concurrency: int) -> float:
    """Messages/second of the same messages over ``concurrency`` connections, no database."""
    import bench_dispatch
    from django.core.mail import get_connection

    from django_notification_system.notification_handlers import email

    messages = [
        email.build_message(n, "bench@example.com", None)
        for n in bench_dispatch.in_memory_notifications(count)
    ]
    taken = iter(range(count))
    lock = threading.Lock()
    sent = [0] * concurrency

    def work(slot: int) -> None:
        connection = get_connection(fail_silently=False)
        connection.open()
        try:
            while True:
                with lock:
                    index = next(taken, None)
                if index is None:
                    return
                sent[slot] += connection.send_messages([messages[index]])
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert sum(sent) == count, sent
    return count / elapsed


def ours(count: int, concurrency: int) -> float:
    """Messages/second of ``process_notifications`` with ``concurrency`` connections."""
    import bench_dispatch
    from django.test import override_settings

    from django_notification_system.dispatch.run import process_notifications

    bench_dispatch.reset(count)
    options = {"email": {"from_email": "bench@example.com", "concurrency": concurrency}}
    with override_settings(NOTIFICATION_SYSTEM_TARGETS=options):
        started = time.perf_counter()
        summary = process_notifications()
        elapsed = time.perf_counter() - started
    assert summary.counts == {"DELIVERED": count}, summary.counts
    return count / elapsed


def post_office(count: int) -> float:
    """Messages/second of django-post-office's ``send_queued_mail_until_done``, defaults."""
    from post_office import mail
    from post_office.models import STATUS, Email

    Email.objects.all().delete()
    mail.send_many(
        [
            {
                "recipients": [f"u{i}@example.com"],
                "sender": "bench@example.com",
                "subject": f"n{i}",
                "message": "hi",
                "html_message": "<p>hi</p>",
            }
            for i in range(count)
        ]
    )
    started = time.perf_counter()
    mail.send_queued_mail_until_done()
    elapsed = time.perf_counter() - started
    sent = Email.objects.filter(status=STATUS.sent).count()
    assert sent == count, sent
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="emails per measurement")
    parser.add_argument("--latency", type=float, default=0.01, help="relay seconds per message")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--relay", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relay:
        serve_relay(args.relay, args.latency)
        return
    relay, port = start_relay(args.latency)
    name = ""
    out = sys.stdout.write
    try:
        name = configure(args.db, port)
        from django_notification_system.notification_handlers import email

        default = email.DEFAULT_CONCURRENCY
        out(f"{args.n} emails, relay answers each after {args.latency * 1000:.0f} ms, {args.db}\n")
        ours(200, 2)  # warm-up: imports, connection set-up
        bare_transport(200, 2)
        out(f"{'concurrency':>12} {'bare transport':>15} {'ours':>10} {'ours/bare':>10}\n")
        rates = {}
        for concurrency in sorted({1, 5, default, 16}):
            bare = bare_transport(args.n, concurrency)
            mine = ours(args.n, concurrency)
            rates[concurrency] = mine
            label = f"{concurrency}{' (default)' if concurrency == default else ''}"
            out(f"{label:>12} {bare:>13,.0f}/s {mine:>8,.0f}/s {mine / bare:>10.0%}\n")
        if _post_office_installed():
            from importlib.metadata import version

            theirs = post_office(args.n)
            release = version("django-post-office")
            out(f"django-post-office {release} (defaults): {theirs:,.0f}/s\n")
            out(f"ours at concurrency 5 / post_office: {rates[5] / theirs:.2f}x\n")
            out(f"ours at the default ({default}) / post_office: {rates[default] / theirs:.2f}x\n")
        else:
            out("django-post-office: not installed here (make bench-venv)\n")
    finally:
        relay.kill()
        relay.wait()
        if args.db == "postgresql" and name:
            import bench_dispatch

            bench_dispatch._drop_postgres_database(name)


if __name__ == "__main__":
    main()

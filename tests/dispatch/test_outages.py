"""process_notifications against a database that goes away: real child processes, a real
unreachable port, and real PostgreSQL connection termination (``pg_terminate_backend``)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from io import StringIO

import pytest
from django.db import connection

from django_notification_system.dispatch.outage import Backoff
from django_notification_system.models import Notification
from tests import factories
from tests.dispatch.test_processes import child_env, sent_subjects, start, wait_for

__all__ = ["child_env"]  # the fixture, shared with test_processes

UNREACHABLE = "postgres://postgres:sekrit-pw@127.0.0.1:1/nowhere_db"


@pytest.fixture
def unreachable_env(child_env) -> dict[str, str]:
    env = {**child_env, "DNS_TEST_DB": "postgresql", "DATABASE_URL": UNREACHABLE}
    env.pop("DNS_DB_NAME", None)
    return env


@pytest.mark.parametrize(
    "command",
    [
        ["process_notifications"],
        ["process_notifications", "--dry-run"],
        ["check_push_receipts"],
        ["cleanup_notifications", "--days", "30"],
        ["create_email_target_user_records"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_a_command_without_database_prints_one_line_naming_it(unreachable_env, manage_py, command):
    child = subprocess.run(
        [*manage_py, *command], env=unreachable_env, capture_output=True, text=True, timeout=120
    )
    assert child.returncode != 0
    assert child.stdout == ""
    (line,) = child.stderr.splitlines()
    assert "'nowhere_db'" in line and "127.0.0.1:1" in line
    assert "sekrit-pw" not in child.stderr
    assert "Traceback" not in child.stderr


def test_traceback_only_when_asked_for(unreachable_env, manage_py):
    child = start(manage_py, unreachable_env, "--traceback")
    rc, _, err = child.wait(timeout=120), *child.communicate()
    assert rc != 0
    assert "Traceback" in err
    assert "sekrit-pw" not in err


def test_a_loop_waits_out_an_outage_and_stops_cleanly_on_sigterm(unreachable_env, manage_py):
    looping = start(manage_py, unreachable_env, "--loop", "--interval", "1")
    deadline = time.monotonic() + 60
    first = looping.stderr.readline()  # blocks until the outage is reported
    assert "database unavailable" in first and "'nowhere_db'" in first
    time.sleep(4)  # several reconnection attempts (1 s, 2 s backoff) happen meanwhile
    assert looping.poll() is None, "the loop must keep running through the outage"
    looping.send_signal(signal.SIGTERM)
    rc, _out, err = (
        looping.wait(timeout=max(1, deadline - time.monotonic())),
        *looping.communicate(),
    )
    assert rc == 0, err
    assert err == "", "one line per outage, not one per attempt"
    assert "sekrit-pw" not in first


def test_idle_loop_passes_are_silent_and_a_lasting_config_error_is_reported_once(
    child_env, manage_py
):
    factories.due_notifications(1, module_name="misconfigured", prefix="m")
    looping = start(manage_py, child_env, "--loop", "--interval", "1")
    releases, deadline = set(), time.monotonic() + 90
    while len(releases) < 4 and time.monotonic() < deadline:  # each pass releases it again
        releases.update(Notification.objects.values_list("modified_date", flat=True))
        time.sleep(0.2)
    assert len(releases) >= 4, "the loop must have met the error in several passes"
    looping.send_signal(signal.SIGTERM)
    rc, out, err = looping.wait(timeout=120), *looping.communicate()
    assert rc == 0, err
    assert out == ""
    assert err.count("configuration error in handler 'misconfigured'") == 1, err
    row = Notification.objects.get()
    assert (row.status, row.retry_attempts) == (Notification.RETRY, 0)


def _terminate_other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_loop_survives_repeated_connection_termination_without_resending(
    db_vendor, child_env, manage_py, tmp_path
):
    if db_vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    rows = factories.due_notifications(150, module_name="slow_email")
    marker = tmp_path / "in-handler"
    env = {
        **child_env,
        "DNS_SLOW_MARKER": str(marker),
        "DNS_SLOW_SECONDS": "0.4",
        "DNS_LEASE_SECONDS": "15",
    }
    looping = start(manage_py, env, "--loop", "--interval", "1", "--batch-size", "10")
    wait_for(marker, looping)
    terminated = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        pending = Notification.objects.exclude(status=Notification.DELIVERED).count()
        if not pending:
            break
        if terminated < 6 and marker.exists():
            marker.unlink()
            time.sleep(0.1)  # inside the handler's pause: the record step meets the outage
            terminated += 1 if _terminate_other_backends() else 0
        time.sleep(0.5)
    assert looping.poll() is None, "the worker must keep running"
    looping.send_signal(signal.SIGTERM)
    rc, err = looping.wait(timeout=120), looping.communicate()[1]

    assert rc == 0, err
    assert terminated >= 4, "the test must really cut the connection several times"
    assert "Traceback" not in err
    assert "database unavailable" in err
    assert "kept to record after reconnecting" in err  # the record step met the outage
    assert Counter(Notification.objects.values_list("status", flat=True)) == {
        Notification.DELIVERED: 150
    }
    subjects = sent_subjects(env)
    assert set(subjects) == {r.title for r in rows}
    twice = [s for s, n in subjects.items() if n > 1]
    assert len(twice) <= 10 and max(subjects.values()) <= 2, (twice, err)


def test_backoff_doubles_up_to_sixty_seconds_and_resets():
    backoff = Backoff()
    delays = [backoff.next_delay() for _ in range(9)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    backoff.reset()
    assert backoff.next_delay() == 1


def test_every_pass_is_shown_at_verbosity_2(child_env, manage_py):
    looping = start(manage_py, child_env, "--loop", "--interval", "1", "-v", "2")
    passes = [looping.stdout.readline() for _ in range(3)]  # blocks until each pass prints
    looping.send_signal(signal.SIGTERM)
    rc, err = looping.wait(timeout=120), looping.communicate()[1]
    assert rc == 0, err
    assert passes == ["nothing due\n"] * 3


def test_log_records_go_to_stderr_and_counts_to_stdout(child_env, manage_py):
    factories.due_notifications(2, module_name="raising", prefix="r")
    child = start(manage_py, child_env)
    rc, out, err = child.wait(timeout=120), *child.communicate()
    assert rc == 0, err
    assert out.splitlines() == ["retry: 2"]
    assert "handler 'raising' raised" in err


def test_a_lasting_configuration_error_is_reported_again_only_after_a_while(monkeypatch):
    from django_notification_system.management.commands import process_notifications as cmd

    command = cmd.Command(stdout=StringIO(), stderr=StringIO())
    command.reported = {}
    clock = iter([1000.0, 1010.0, 1000.0 + cmd.REPORT_AGAIN_AFTER + 1])
    monkeypatch.setattr(cmd.time, "monotonic", lambda: next(clock))
    for _ in range(3):
        command.report("pager", "missing api_key", repeat=False)
    lines = command.stderr._out.getvalue().splitlines()
    assert lines == ["configuration error in handler 'pager': missing api_key"] * 2

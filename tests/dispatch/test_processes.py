"""Real, separate process_notifications processes: no double sends, crash recovery, SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from django_notification_system.models import DeliveryAttempt, Notification
from tests import factories

SUBJECT = re.compile(r"^Subject: (.+)$", re.M)


@pytest.fixture
def child_env(subprocess_env, tmp_path) -> dict[str, str]:
    env = dict(subprocess_env)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.dispatch.settings",
        DNS_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DNS_EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    return env


def sent_subjects(env) -> Counter:
    """Every message the file-based backend wrote, by subject."""
    subjects: Counter = Counter()
    for path in Path(env["DNS_EMAIL_FILE_PATH"]).glob("*.log"):
        subjects.update(SUBJECT.findall(path.read_text()))
    return subjects


def start(manage_py, env, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [*manage_py, "process_notifications", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"child exited early: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} never appeared")
        time.sleep(0.05)


def assert_each_sent_once(env, rows) -> None:
    subjects = sent_subjects(env)
    assert sorted(subjects) == sorted(r.title for r in rows)
    assert set(subjects.values()) == {1}, [s for s, n in subjects.items() if n > 1][:5]
    assert not Notification.objects.filter(status=Notification.SENDING).exists()
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.DELIVERED}


def run_concurrently(manage_py, env, processes: int) -> list[tuple[int, str, str]]:
    children = [start(manage_py, env, "--batch-size", "50") for _ in range(processes)]
    return [(c.wait(timeout=600), *c.communicate()) for c in children]


def test_four_processes_on_postgresql_send_each_notification_exactly_once(
    db_vendor, child_env, manage_py
):
    if db_vendor != "postgresql":
        pytest.skip("SKIP LOCKED claims are exercised on PostgreSQL")
    rows = factories.due_notifications(2000)
    results = run_concurrently(manage_py, child_env, 4)
    assert [rc for rc, _, _ in results] == [0, 0, 0, 0], results
    assert_each_sent_once(child_env, rows)
    assert DeliveryAttempt.objects.count() == 2000
    # Each process claimed a share (the work was really concurrent) and reported it.
    delivered = [int(re.search(r"delivered: (\d+)", out).group(1)) for _, out, _ in results]
    assert sum(delivered) == 2000, delivered


def test_two_processes_on_sqlite_never_duplicate_and_never_crash_on_locks(
    db_vendor, child_env, manage_py
):
    if db_vendor != "sqlite":
        pytest.skip("the compare-and-set claim is exercised on SQLite")
    rows = factories.due_notifications(1000)
    results = run_concurrently(manage_py, child_env, 2)
    for rc, _, err in results:
        assert rc == 0, err
        assert "database is locked" not in err
    assert_each_sent_once(child_env, rows)


def test_a_run_killed_mid_batch_is_finished_by_the_next_run_after_the_lease(
    child_env, manage_py, tmp_path
):
    rows = factories.due_notifications(30, module_name="slow_email")
    marker = tmp_path / "in-handler"
    doomed_env = {
        **child_env,
        "DNS_SLOW_MARKER": str(marker),
        "DNS_SLOW_SECONDS": "120",
        "DNS_LEASE_SECONDS": "2",
    }
    doomed = start(manage_py, doomed_env, "--batch-size", "10")
    wait_for(marker, doomed)
    # While batch 1 is with the handler, the run claims batch 2 ahead (never a third).
    sending = Notification.objects.filter(status=Notification.SENDING)
    deadline = time.monotonic() + 120
    while sending.count() < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=60)
    doomed.communicate()

    pending = Counter(Notification.objects.values_list("status", flat=True))
    assert pending == {Notification.SENDING: 20, Notification.SCHEDULED: 10}
    assert sent_subjects(child_env) == Counter()
    lease_end = max(
        Notification.objects.filter(status=Notification.SENDING).values_list(
            "lease_expires_at", flat=True
        )
    )
    time.sleep(max(0.0, (lease_end - timezone.now()).total_seconds()) + 0.2)

    rescuer = start(manage_py, child_env, "--batch-size", "10")
    rc, out, err = rescuer.wait(timeout=300), *rescuer.communicate()
    assert rc == 0, err
    assert out.splitlines() == ["delivered: 30"]
    assert_each_sent_once(child_env, rows)


def test_loop_stops_cleanly_on_sigterm_after_the_batch_in_hand(child_env, manage_py, tmp_path):
    factories.due_notifications(10, module_name="slow_email")
    marker = tmp_path / "in-handler"
    env = {**child_env, "DNS_SLOW_MARKER": str(marker), "DNS_SLOW_SECONDS": "2"}
    looping = start(manage_py, env, "--loop", "--interval", "60", "--batch-size", "5")
    wait_for(marker, looping)
    looping.send_signal(signal.SIGTERM)
    rc, out, err = looping.wait(timeout=120), *looping.communicate()
    assert rc == 0, err
    assert out.splitlines() == ["delivered: 5"]
    assert Counter(Notification.objects.values_list("status", flat=True)) == {
        Notification.DELIVERED: 5,
        Notification.SCHEDULED: 5,
    }
    assert os.path.exists(marker)

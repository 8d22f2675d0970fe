"""Digests with real, separate processes: a worker killed mid-flush, many workers at once."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import Count
from django.utils import timezone

from django_notification_system.models import DigestWindow, Notification
from tests import factories

TO = re.compile(r"^To: (.+)$", re.M)
SUBJECT = re.compile(r"^Subject: (.+)$", re.M)

#: A child that starts flushing and dies (SIGKILL-like ``os._exit``) with its flush
#: transaction open: after claiming the windows and reading their items.
KILLED_MID_FLUSH = """
import os
from datetime import timedelta
from django.utils import timezone
from django_notification_system.digests import flush

def die(*args):
    os._exit(9)

flush.render_digest = die
flush.flush_due_digests(batch_size=50, lease=timedelta(seconds=600), now=timezone.now())
"""


@pytest.fixture
def child_env(subprocess_env, tmp_path) -> dict[str, str]:
    env = dict(subprocess_env)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.digests.settings",
        DNS_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DNS_EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    return env


def sent(env) -> list[tuple[str, str]]:
    """(recipient, subject) of every message the file-based backend wrote."""
    messages = []
    for path in Path(env["DNS_EMAIL_FILE_PATH"]).glob("*.log"):
        text = path.read_text()
        for chunk in text.split("-" * 79):
            if TO.search(chunk):
                messages.append((TO.search(chunk).group(1), SUBJECT.search(chunk).group(1)))
    return messages


def run(manage_py, env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*manage_py, *args], env=env, capture_output=True, text=True, timeout=900
    )


def test_a_worker_killed_mid_flush_loses_nothing_and_the_digest_goes_once(child_env, manage_py):
    factories.held_digest_items(3, 4)
    killed = run(manage_py, child_env, "shell", "-c", KILLED_MID_FLUSH)
    assert killed.returncode == 9, killed.stderr
    # The dead worker's claim is still live: nothing is flushed, nothing lost or sent.
    assert DigestWindow.objects.exclude(claim_token=None).count() == 3
    assert run(manage_py, child_env, "process_notifications").returncode == 0
    assert sent(child_env) == []
    assert Notification.objects.filter(status=Notification.HELD, digest=None).count() == 12
    # After the lease, the next run sends each digest once.
    DigestWindow.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    done = run(manage_py, child_env, "process_notifications")
    assert done.returncode == 0, done.stderr
    messages = sent(child_env)
    assert sorted(messages) == [(f"u{i}@example.com", "4 new comments") for i in range(3)]
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.DELIVERED}
    assert Notification.objects.filter(is_digest=True).count() == 3
    assert not Notification.objects.filter(is_digest=False, digest=None).exists()


def test_eight_processes_send_exactly_one_digest_per_user(db_vendor, child_env, manage_py):
    if db_vendor != "postgresql":
        pytest.skip("concurrent flushes with SKIP LOCKED claims are exercised on PostgreSQL")
    users, per_user = 1000, 20
    factories.held_digest_items(users, per_user)
    children = [
        subprocess.Popen(
            [*manage_py, "process_notifications", "--batch-size", "50"],
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    results = [(c.wait(timeout=900), *c.communicate()) for c in children]
    assert [rc for rc, _, _ in results] == [0] * 8, [err[-2000:] for _, _, err in results]
    messages = sent(child_env)
    assert len(messages) == users
    assert Counter(to for to, _ in messages) == {f"u{i}@example.com": 1 for i in range(users)}
    assert {subject for _, subject in messages} == {f"{per_user} new comments"}
    digests = Notification.objects.filter(is_digest=True)
    assert digests.count() == users
    assert set(digests.values_list("status", flat=True)) == {Notification.DELIVERED}
    carried = (
        Notification.objects.filter(is_digest=False)
        .values("digest")
        .annotate(n=Count("pk"))
        .values_list("digest", "n")
    )
    assert None not in dict(carried)
    assert set(dict(carried).values()) == {per_user}
    assert set(Notification.objects.filter(is_digest=False).values_list("status", flat=True)) == {
        Notification.DELIVERED
    }
    # The work was shared: more than one process made digests.
    made = [
        int(m.group(1)) for _, out, _ in results if (m := re.search(r"digests made: (\d+)", out))
    ]
    assert sum(made) == users and len(made) > 1, made

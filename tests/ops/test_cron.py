"""The cron path for real: django-crontab installs, shows and removes the demo's job in a
(stand-in) crontab, and the installed line, run as cron runs it, delivers due notifications."""

from __future__ import annotations

import fcntl
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from django_notification_system.models import Notification
from tests import factories

pytest.importorskip("django_crontab", reason="django-crontab (extra 'crontab') not installed")

COMMENT = "# django-notification-system tests"
USER_LINE = "0 3 * * * /usr/local/bin/backup # not ours\n"
JOB_REPR = "('* * * * *', 'django.core.management.call_command', ['process_notifications'])"
RECEIPTS_JOB_REPR = (
    "('*/15 * * * *', 'django.core.management.call_command', ['check_push_receipts'])"
)


@pytest.fixture
def cron(subprocess_env, manage_py, tmp_path):
    """Runs ``manage.py crontab ...`` in a child process; ``cron.store`` is the crontab file."""

    class Cron:
        store = tmp_path / "crontab"
        outbox = tmp_path / "outbox"
        tmpdir = tmp_path / "tmp"
        env = dict(
            subprocess_env,
            DJANGO_SETTINGS_MODULE="tests.cron_settings",
            FAKE_CRONTAB_FILE=str(tmp_path / "crontab"),
            TMPDIR=str(tmp_path / "tmp"),  # django-crontab's lock files go here
            DNS_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            DNS_EMAIL_FILE_PATH=str(tmp_path / "outbox"),
        )

        def manage(self, *args: str) -> subprocess.CompletedProcess:
            result = subprocess.run(
                [*manage_py, "crontab", *args],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            return result

        def our_lines(self) -> list[str]:
            return [line for line in self.store.read_text().splitlines() if COMMENT in line]

        def process_line(self) -> str:
            """The installed line of the every-minute process_notifications job."""
            (line,) = [line for line in self.our_lines() if line.startswith("* * * * * ")]
            return line

        def run_installed_line(self) -> subprocess.CompletedProcess:
            """Run the installed job's command through /bin/sh, as cron does."""
            line = self.process_line()
            command = line.split(" ", 5)[5].split(" #", 1)[0]
            return subprocess.run(
                command,
                shell=True,
                env=self.env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=120,
            )

    Cron.tmpdir.mkdir()
    return Cron()


def job_hash(line: str) -> str:
    return re.search(r" crontab run ([0-9a-f]{32}) ", line).group(1)


def test_add_show_remove_keep_the_users_own_lines(cron):
    cron.store.write_text(USER_LINE)

    cron.manage("add")
    line = cron.process_line()
    assert line.startswith("* * * * * ")
    assert f"manage.py crontab run {job_hash(line)} --settings=tests.cron_settings" in line
    assert cron.store.read_text().startswith(USER_LINE)

    shown = cron.manage("show").stdout
    assert f"{job_hash(line)} -> {JOB_REPR}" in shown
    assert RECEIPTS_JOB_REPR in shown
    assert len(cron.our_lines()) == 2

    installed = cron.our_lines()
    cron.manage("add")  # adding again replaces, never duplicates
    assert cron.our_lines() == installed

    cron.manage("remove")
    assert cron.store.read_text() == USER_LINE


def test_the_installed_line_delivers_due_notifications(cron):
    due = factories.notification(title="Cron delivered me")
    later = factories.notification(
        factories.record(factories.user("later")),
        title="Not yet",
        scheduled_delivery=due.scheduled_delivery + timedelta(days=1),
    )
    cron.manage("add")

    result = cron.run_installed_line()

    assert result.returncode == 0, result.stderr
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Notification.DELIVERED
    assert later.status == Notification.SCHEDULED
    sent = "".join(p.read_text() for p in cron.outbox.iterdir())
    assert "Subject: Cron delivered me" in sent
    assert "Not yet" not in sent


def test_the_lock_skips_a_run_while_the_previous_one_holds_it(cron):
    due = factories.notification(title="Locked out")
    cron.manage("add")
    line = cron.process_line()
    lock_path = Path(cron.tmpdir) / f"django_crontab_{job_hash(line)}.lock"

    with open(lock_path, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        cron.run_installed_line()
        due.refresh_from_db()
        assert due.status == Notification.SCHEDULED
        fcntl.flock(held, fcntl.LOCK_UN)

    cron.run_installed_line()
    due.refresh_from_db()
    assert due.status == Notification.DELIVERED

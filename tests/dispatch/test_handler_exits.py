"""Issue 13.1: a handler that exits (sys.exit, SystemExit, KeyboardInterrupt) strands nothing.

Its rows are recorded RETRY with the reason and an attempt counted, the other channels'
rows of the batch keep their real outcomes, and only then is the exit honoured: the
command exits non-zero with one line naming the handler; ``--loop`` keeps running.
"""

from __future__ import annotations

import signal
import subprocess
import time
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification
from tests import factories
from tests.dispatch.conftest import statuses
from tests.dispatch.handlers import exiting

MODES = {
    "exit": ("SystemExit", 1),
    "exit3": ("SystemExit", 3),
    "systemexit": ("SystemExit", 1),
    "interrupt": ("KeyboardInterrupt", 130),
}


@pytest.fixture
def exit_mode():
    def set_mode(mode: str) -> None:
        exiting.MODE = mode

    yield set_mode
    exiting.MODE = None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", sorted(MODES))
def test_the_batch_is_recorded_then_the_run_stops(make_due, exit_mode, mode):
    exit_mode(mode)
    exits = make_due("exiting", 2)
    healthy = make_due("email", 2)
    later = make_due("email", 3)  # a second batch, claimed ahead or not: never sent
    summary = process_notifications(batch_size=4)

    assert summary.interrupt is not None
    assert summary.interrupt.module_name == "exiting"
    assert (type(summary.interrupt.exception).__name__, summary.interrupt.exit_code) == MODES[mode]
    assert set(statuses(exits).values()) == {Notification.RETRY}
    assert set(statuses(healthy).values()) == {Notification.DELIVERED}
    assert set(statuses(later).values()) == {Notification.SCHEDULED}
    assert len(mail.outbox) == 2
    assert not Notification.objects.filter(status=Notification.SENDING).exists()
    for row in Notification.objects.filter(pk__in=[n.pk for n in exits]):
        assert row.retry_attempts == 1
        assert MODES[mode][0] in row.last_error
    assert DeliveryAttempt.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_legacy_handler_exiting_part_way_keeps_what_it_sent(make_due):
    before = factories.notification(
        factories.record(factories.user("before"), module_name="exiting_legacy"), title="fine"
    )
    culprit = factories.notification(
        factories.record(factories.user("culprit"), module_name="exiting_legacy"), title="exit"
    )
    summary = process_notifications()
    assert summary.interrupt is not None
    assert statuses([before, culprit]) == {
        before.pk: Notification.DELIVERED,
        culprit.pk: Notification.RETRY,
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["exit", "interrupt"])
def test_the_command_exits_non_zero_naming_the_handler(make_due, exit_mode, mode):
    exit_mode(mode)
    make_due("exiting")
    with pytest.raises(CommandError) as raised:
        call_command("process_notifications", stdout=StringIO(), stderr=StringIO())
    assert raised.value.returncode == MODES[mode][1]
    assert "handler 'exiting' raised" in str(raised.value)
    assert not Notification.objects.filter(status=Notification.SENDING).exists()


def _start(manage_py, env, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [*manage_py, "process_notifications", *args],
        env={**env, "DJANGO_SETTINGS_MODULE": "tests.dispatch.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_real_process_records_then_exits_with_one_line(subprocess_env, manage_py):
    rows = factories.due_notifications(5, module_name="exiting")
    child = _start(manage_py, {**subprocess_env, "DNS_EXIT_MODE": "exit3"})
    rc, (_out, err) = child.wait(timeout=120), child.communicate()
    assert rc == 3, err
    assert err.strip().splitlines() == [
        "CommandError: handler 'exiting' raised SystemExit; its rows were recorded as RETRY"
    ]
    assert set(statuses(rows).values()) == {Notification.RETRY}


def test_loop_keeps_running_after_a_handlers_system_exit(subprocess_env, manage_py):
    exits = factories.due_notifications(2, module_name="exiting")
    child = _start(
        manage_py, {**subprocess_env, "DNS_EXIT_MODE": "exit"}, "--loop", "--interval", "1"
    )
    try:
        _wait_until(lambda: set(statuses(exits).values()) == {Notification.RETRY}, child)
        later = factories.notification(factories.record(factories.user("later")))
        _wait_until(lambda: statuses([later]) == {later.pk: Notification.DELIVERED}, child)
    finally:
        child.send_signal(signal.SIGTERM)
        rc, (_out, err) = child.wait(timeout=120), child.communicate()
    assert rc == 0, err
    assert "handler 'exiting' raised SystemExit" in err


def _wait_until(condition, child: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if child.poll() is not None:
            raise AssertionError(f"child exited: {child.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        time.sleep(0.1)

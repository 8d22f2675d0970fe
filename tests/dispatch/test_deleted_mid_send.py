"""Issue 30.1: a user, record or notification deleted between claim and record never fails
the record step. The surviving rows are recorded DELIVERED with their attempt rows, the
deleted ones are skipped (no foreign key failure at COMMIT), the run exits 0, and a second
run sends nothing again."""

from __future__ import annotations

import signal
import subprocess
import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from django_notification_system.dispatch.record import DELETED
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification
from tests import factories
from tests.dispatch.handlers import deleting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def calls():
    deleting.reset()
    yield deleting.sent
    deleting.reset()


def make_rows(doomed: int, survivors: int, what: str = "user") -> tuple[list, list]:
    """Due rows on the ``deleting`` channel: ``doomed`` vanish during their send."""
    rows = {}
    for kind, count in (("doomed", doomed), ("fine", survivors)):
        rows[kind] = [
            factories.notification(
                factories.record(factories.user(f"{kind}{i}"), module_name="deleting"),
                title=f"{kind} {what} {i}",
            )
            for i in range(count)
        ]
    return rows["doomed"], rows["fine"]


def assert_survivors_recorded_once(doomed: list, survivors: list, calls: list) -> None:
    assert not Notification.objects.filter(pk__in=[n.pk for n in doomed]).exists()
    assert set(
        Notification.objects.filter(pk__in=[n.pk for n in survivors]).values_list(
            "status", "claim_token"
        )
    ) == {(Notification.DELIVERED, None)}
    attempts = DeliveryAttempt.objects.values_list("notification_id", "outcome")
    assert sorted(attempts) == sorted((n.pk, "delivered") for n in survivors)
    assert sorted(calls) == sorted(n.pk for n in doomed + survivors)  # each sent once


@pytest.mark.parametrize("what", ["user", "record", "row"])
def test_rows_deleted_mid_send_are_skipped_and_the_others_recorded(what, calls):
    doomed, survivors = make_rows(2, 8, what)
    summary = process_notifications()
    assert summary.counts == {Notification.DELIVERED: 8, DELETED: 2}
    assert summary.lease_lost == 0
    assert_survivors_recorded_once(doomed, survivors, calls)

    again = process_notifications()
    assert sum(again.counts.values()) == 0
    assert_survivors_recorded_once(doomed, survivors, calls)


def test_the_command_exits_cleanly_and_says_what_was_deleted(calls):
    doomed, survivors = make_rows(2, 8)
    out, err = StringIO(), StringIO()
    call_command("process_notifications", stdout=out, stderr=err)  # raises on a non-zero exit
    assert out.getvalue().splitlines() == ["deleted during the send: 2", "delivered: 8"]
    assert err.getvalue() == ""
    call_command("process_notifications", stdout=StringIO(), stderr=StringIO())
    assert_survivors_recorded_once(doomed, survivors, calls)
    assert not get_user_model().objects.filter(username__startswith="doomed").exists()


def test_a_loop_worker_keeps_running_and_sends_nothing_twice(subprocess_env, manage_py):
    doomed, survivors = make_rows(2, 8)
    child = subprocess.Popen(
        [*manage_py, "process_notifications", "--loop", "--interval", "1"],
        env={**subprocess_env, "DJANGO_SETTINGS_MODULE": "tests.dispatch.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while DeliveryAttempt.objects.count() < len(survivors):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the survivors were never recorded"
            time.sleep(0.1)
        time.sleep(2.5)  # two more passes of the loop: nothing is due any more
        assert child.poll() is None, "the worker must keep running"
    finally:
        child.send_signal(signal.SIGTERM)
        rc, (out, err) = child.wait(timeout=120), child.communicate()
    assert rc == 0, err
    assert "Error" not in err
    assert out.splitlines() == ["deleted during the send: 2", "delivered: 8"]
    assert not Notification.objects.filter(pk__in=[n.pk for n in doomed]).exists()
    assert set(
        Notification.objects.filter(pk__in=[n.pk for n in survivors]).values_list("status")
    ) == {(Notification.DELIVERED,)}
    attempts = list(DeliveryAttempt.objects.values_list("notification_id", flat=True))
    assert sorted(attempts) == sorted(n.pk for n in survivors)  # one attempt each: no re-send

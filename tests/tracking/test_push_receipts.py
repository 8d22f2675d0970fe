"""Expo push receipts through the real PushClient against the fake Expo service."""

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_notification_system.models import Notification
from django_notification_system.notification_handlers import expo
from django_notification_system.tracking.expo_receipts import check_push_receipts
from tests import factories
from tests.fakes.expo import RECEIPTS_PATH, FakeExpo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake():
    with FakeExpo(
        receipt_errors={
            "ExponentPushToken[dead]": "DeviceNotRegistered",
            "ExponentPushToken[big]": "MessageTooBig",
        },
        access_token="expo-access-token",
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def expo_settings(settings, fake):
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        "expo": {"host": fake.url, "access_token": "expo-access-token", "timeout": 5}
    }


def pushed(tokens, age=timedelta(minutes=20)):
    """Send one push per token through the real handler; record them DELIVERED ``age`` ago."""
    rows = [
        factories.notification(
            factories.record(factories.user(f"u{i}"), "expo", address=f"ExponentPushToken[{t}]")
        )
        for i, t in enumerate(tokens)
    ]
    rows = list(
        Notification.objects.filter(pk__in=[r.pk for r in rows])
        .select_related("target_user_record__target", "target_user_record__user")
        .order_by("target_user_record__user__username")
    )
    outcomes = expo.send_batch(rows)
    attempted = timezone.now() - age
    for row, outcome in zip(rows, outcomes, strict=True):
        assert outcome.provider_message_id, outcome
        Notification.objects.filter(pk=row.pk).update(
            status=Notification.DELIVERED,
            attempted_delivery=attempted,
            provider_message_id=outcome.provider_message_id,
        )
    return {t: Notification.objects.get(pk=r.pk) for t, r in zip(tokens, rows, strict=True)}


def reload(rows):
    return {
        t: Notification.objects.select_related("target_user_record").get(pk=r.pk)
        for t, r in rows.items()
    }


def test_receipts_are_applied(fake):
    rows = pushed(["ok", "dead", "big"])
    summary = check_push_receipts()
    assert (summary.checked, summary.requests) == (3, 1)
    rows = reload(rows)
    assert (rows["ok"].status, rows["ok"].provider_status) == (Notification.DELIVERED, "delivered")
    assert rows["ok"].target_user_record.active
    assert rows["dead"].status == Notification.INACTIVE_DEVICE
    assert rows["dead"].target_user_record.active is False
    assert "DeviceNotRegistered" in rows["dead"].last_error
    assert rows["big"].status == Notification.DELIVERY_FAILURE
    assert "MessageTooBig" in rows["big"].last_error
    assert rows["big"].target_user_record.active
    assert summary.counts == {"delivered": 1, "inactive": 1, "failed": 1}


def test_a_receipt_is_applied_once_and_not_asked_for_again(fake, reports_applied):
    pushed(["ok", "dead"])
    check_push_receipts()
    requests = len(fake.requests_to(RECEIPTS_PATH))
    again = check_push_receipts()
    assert again.checked == 0
    assert len(fake.requests_to(RECEIPTS_PATH)) == requests
    assert sorted(r["effect"] for r in reports_applied) == ["inactive", "record"]


def test_young_tickets_wait_fifteen_minutes(fake):
    rows = pushed(["ok"], age=timedelta(minutes=5))
    assert check_push_receipts().checked == 0
    assert fake.requests_to(RECEIPTS_PATH) == []
    assert reload(rows)["ok"].provider_status == ""


def test_missing_receipts_are_asked_again_and_expire_after_a_day(fake):
    rows = pushed(["ok"])
    fake.receipts.clear()
    summary = check_push_receipts()
    assert summary.counts == {"not ready": 1}
    assert reload(rows)["ok"].provider_status == ""
    Notification.objects.filter(pk=rows["ok"].pk).update(
        attempted_delivery=timezone.now() - timedelta(hours=25)
    )
    assert check_push_receipts().counts == {"expired": 1}
    assert reload(rows)["ok"].provider_status == "expired"
    assert reload(rows)["ok"].status == Notification.DELIVERED


def test_at_most_a_thousand_ids_per_request(fake):
    rows = factories.due_notifications(1500, module_name="expo")
    attempted = timezone.now() - timedelta(minutes=30)
    for i, row in enumerate(rows):
        ticket = f"ticket-{i}"
        fake.receipts[ticket] = {"status": "ok"}
        Notification.objects.filter(pk=row.pk).update(
            status=Notification.DELIVERED, attempted_delivery=attempted, provider_message_id=ticket
        )
    summary = check_push_receipts()
    sizes = [len(r.json()["ids"]) for r in fake.requests_to(RECEIPTS_PATH)]
    assert max(sizes) <= 1000 and sum(sizes) == 1500
    assert summary.counts == {"delivered": 1500}
    assert Notification.objects.filter(provider_status="delivered").count() == 1500


def test_provider_error_releases_the_claims(fake):
    rows = pushed(["dead"])
    fake.fail_next(500, {"errors": [{"code": "INTERNAL", "message": "down"}]})
    with pytest.raises(CommandError):
        call_command("check_push_receipts")
    row = reload(rows)["dead"]
    assert (row.status, row.provider_status) == (Notification.DELIVERED, "")
    assert row.target_user_record.active
    call_command("check_push_receipts")
    assert reload(rows)["dead"].status == Notification.INACTIVE_DEVICE


def test_only_expo_notifications_are_checked(fake):
    email = factories.notification(
        status=Notification.DELIVERED,
        attempted_delivery=timezone.now() - timedelta(hours=1),
        provider_message_id="email-id",
    )
    assert check_push_receipts().checked == 0
    email.refresh_from_db()
    assert email.provider_status == ""


CHILD = """
import pathlib, sys, time
import django
django.setup()
from django.test import override_settings
pathlib.Path(sys.argv[1]).touch()  # ready
while not pathlib.Path(sys.argv[2]).exists():  # wait for go
    time.sleep(0.01)
from django_notification_system.tracking.expo_receipts import check_push_receipts
total = 0
with override_settings(NOTIFICATION_SYSTEM_TARGETS={"expo": {"host": %r,
        "access_token": "expo-access-token"}}):
    while checked := check_push_receipts(limit=%d).checked:
        total += checked
print(total)
"""


def test_concurrent_runs_ask_for_each_ticket_once(fake, subprocess_env, tmp_path):
    rows = factories.due_notifications(400, module_name="expo")
    attempted = timezone.now() - timedelta(minutes=30)
    for i, row in enumerate(rows):
        fake.receipts[f"t{i}"] = {"status": "ok"}
        Notification.objects.filter(pk=row.pk).update(
            status=Notification.DELIVERED,
            attempted_delivery=attempted,
            provider_message_id=f"t{i}",
        )
    # Claims of 25 tickets each, answered after 100 ms, so the two processes overlap.
    fake.latency = 0.1
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(2)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD % (fake.url, 25), str(flag), str(go)],
            env=subprocess_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 60
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # both start claiming together
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (_out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
    asked = [i for r in fake.requests_to(RECEIPTS_PATH) for i in r.json()["ids"]]
    assert sorted(asked) == sorted(f"t{i}" for i in range(400))
    counts = [int(out.strip()) for out, _ in outputs]
    assert sum(counts) == 400
    assert all(counts), counts  # both processes took part
    assert Notification.objects.filter(provider_status="delivered").count() == 400

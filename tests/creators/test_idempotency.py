"""Idempotency keys: a repeated creation creates nothing and hands back what the first made."""

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system.models import Notification
from django_notification_system.notification_creators import email, expo, twilio
from django_notification_system.notification_creators.base import (
    SkipReason,
    create_notifications,
)
from tests import factories
from tests.settings import ROOT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("module", "address"),
    [(email, "ada@example.com"), (twilio, "+15005550006"), (expo, "ExponentPushToken[abc]")],
)
def test_per_user_creator_returns_the_existing_rows_and_never_raises(module, address):
    user = factories.user("ada")
    factories.record(user, module.CHANNEL, address=address)
    first = module.create_notification(user, "Order shipped", "b", idempotency_key="order-1")
    # A retried request: another time, another title, and not quiet. Still nothing new.
    later = timezone.now() + timedelta(minutes=5)
    again = module.create_notification(
        user, "Order shipped!", "b", scheduled_delivery=later, idempotency_key="order-1"
    )
    assert [n.pk for n in again] == [n.pk for n in first]
    assert again[0].title == "Order shipped"
    assert Notification.objects.count() == 1
    assert Notification.objects.get().idempotency_key == "order-1"


def test_the_key_is_per_user_and_per_record():
    ada, bob = factories.user("ada"), factories.user("bob")
    factories.record(ada)
    factories.record(bob)
    email.create_notification(ada, "T", "B", idempotency_key="k")
    assert len(email.create_notification(bob, "T", "B", idempotency_key="k")) == 1
    # A record added later gets its row; the one that had the key does not get another.
    factories.record(ada, address="ada@work.example.com")
    rows = email.create_notification(ada, "T", "B", idempotency_key="k")
    assert len(rows) == 2
    assert Notification.objects.filter(target_user_record__user=ada).count() == 2
    assert len({n.target_user_record_id for n in rows}) == 2


def test_bulk_reports_duplicate_keys_and_lists_the_existing_rows():
    users = [factories.user(f"u{i}") for i in range(5)]
    for user in users:
        factories.record(user)
    first = create_notifications(users[:2], "email", "T", "B", idempotency_key="digest-7")
    result = create_notifications(users, "email", "T2", "B", idempotency_key="digest-7")
    assert sorted(n.target_user_record.user_id for n in result.created) == sorted(
        u.pk for u in users[2:]
    )
    assert sorted(result.skipped_for(SkipReason.DUPLICATE_KEY)) == sorted(u.pk for u in users[:2])
    assert sorted(n.pk for n in result.existing) == sorted(n.pk for n in first.created)
    assert result.counts()["duplicate_key"] == 2
    assert Notification.objects.count() == 5


def test_without_a_key_an_identical_row_is_still_already_scheduled():
    user = factories.user()
    factories.record(user)
    when = timezone.now()
    create_notifications([user], "email", "T", "B", scheduled_delivery=when)
    result = create_notifications([user], "email", "T", "B", scheduled_delivery=when)
    assert result.skipped == {user.pk: SkipReason.ALREADY_SCHEDULED}
    assert result.existing == []


@pytest.mark.parametrize("bad", ["", "   ", "x" * 256, 42, b"bytes"])
def test_a_bad_key_is_a_clear_error_and_creates_nothing(bad):
    user = factories.user()
    factories.record(user)
    for name in ("idempotency_key", "cancel_key"):
        with pytest.raises(ValueError, match=name):
            email.create_notification(user, "T", "B", **{name: bad})
    assert Notification.objects.count() == 0


def test_a_key_of_255_characters_is_stored():
    user = factories.user()
    factories.record(user)
    key = "k" * 255
    (row,) = email.create_notification(user, "T", "B", idempotency_key=key, cancel_key=key)
    row.refresh_from_db()
    assert (row.idempotency_key, row.cancel_key) == (key, key)


def test_the_database_refuses_a_second_row_with_the_key():
    record = factories.record()
    factories.notification(record, title="a", idempotency_key="same")
    factories.notification(record, title="b")  # no key: not constrained
    factories.notification(record, title="c")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.notification(record, title="d", idempotency_key="same")


def _queries(count: int, prefix: str) -> int:
    users = [factories.user(f"{prefix}{i}") for i in range(count)]
    for user in users:
        factories.record(user)
    create_notifications(users[: count // 2], "email", "T", "B", idempotency_key="k")
    with CaptureQueriesContext(connection) as ctx:
        result = create_notifications(users, "email", "T", "B", idempotency_key="k")
    assert len(result.created) == count - count // 2
    assert len(result.existing) == count // 2
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_number_of_users():
    assert _queries(4, "small") == _queries(40, "large")


CHILD = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django_notification_system.notification_creators import email

user = get_user_model().objects.get(username="racer")
print("ready", flush=True)
sys.stdin.readline()
rows = email.create_notification(user, "Title " + sys.argv[1], "B", idempotency_key="pay-42")
print(json.dumps([str(n.pk) for n in rows]), flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_concurrent_processes_with_one_key_create_one_row(subprocess_env, db_vendor):
    factories.record(factories.user("racer"))
    count = 16 if db_vendor == "postgresql" else 4
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(i)],
            cwd=ROOT,
            env=subprocess_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    for child in children:  # released together: every one passes the Python steps first
        child.stdin.write("go\n")
        child.stdin.flush()
    returned = []
    for child in children:
        out, err = child.communicate(timeout=180)
        assert child.returncode == 0, err
        returned.append(json.loads(out.strip().splitlines()[-1]))
    row = Notification.objects.get()
    assert row.idempotency_key == "pay-42"
    assert returned == [[str(row.pk)]] * count

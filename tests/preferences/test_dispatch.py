"""Preferences are checked again at dispatch: rows turned off since creation are settled
OPTED OUT with the ``explain`` reason, in bulk."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import Notification
from django_notification_system.notification_creators.base import create_notifications
from django_notification_system.preferences import explain, set_preference
from tests import factories

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", re.I)


def _users(count: int, prefix: str) -> list:
    return [factories.record(factories.user(f"{prefix}{i}")).user for i in range(count)]


def test_rows_turned_off_since_creation_are_opted_out_with_the_reason():
    ada, bo, cy, di = _users(4, "p")
    for category in ("comments", "security", "billing"):
        create_notifications([ada, bo, cy, di], "email", category.title(), "b", category=category)
    create_notifications([ada], "email", "No category", "b")
    set_preference(ada, category="comments", channel="email", enabled=False)
    set_preference(bo, channel="email", enabled=False)
    set_preference(cy, enabled=False)

    summary = process_notifications()

    rows = Notification.objects.select_related("target_user_record")
    got = {(n.target_user_record.user.username, n.title): (n.status, n.last_error) for n in rows}
    off = Notification.OPTED_OUT
    assert got[("p0", "Comments")] == (off, "preference:comments/email")
    assert got[("p1", "Comments")] == (off, "preference:*/email")
    assert got[("p2", "Comments")] == (off, "preference:*/*")
    assert got[("p3", "Comments")] == (Notification.DELIVERED, "")
    for user in ("p0", "p1", "p2", "p3"):  # critical and required are sent anyway
        assert got[(user, "Security")][0] == Notification.DELIVERED
        assert got[(user, "Billing")][0] == Notification.DELIVERED
    assert got[("p0", "No category")][0] == Notification.DELIVERED
    assert summary.counts == {Notification.OPTED_OUT: 3, Notification.DELIVERED: 10}
    assert len(mail.outbox) == 10
    assert got[("p0", "Comments")][1] == explain(ada, "comments", "email").reason


def test_a_category_no_longer_declared_is_sent():
    (ada,) = _users(1, "gone")
    set_preference(ada, category="news", channel="email", enabled=True)
    assert len(create_notifications([ada], "email", "Old", "b", category="news").created) == 1
    set_preference(ada, enabled=False)
    with override_settings(NOTIFICATION_SYSTEM_CATEGORIES={}):
        summary = process_notifications()
    assert summary.counts == {Notification.DELIVERED: 1}


def _dispatch_queries(count: int, prefix: str) -> int:
    users = _users(count, prefix)
    set_preference(users[0], category="comments", channel="email", enabled=True)
    create_notifications(users, "email", "Hi", "b", category="comments")
    for user in users[1::2]:
        set_preference(user, category="comments", enabled=False)
    with CaptureQueriesContext(connection) as ctx:
        summary = process_notifications(batch_size=1000)
    assert summary.counts == {
        Notification.OPTED_OUT: count // 2,
        Notification.DELIVERED: count - count // 2,
    }
    return len([q for q in ctx.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])])


def test_the_recheck_is_one_query_per_batch_whatever_its_size():
    # claim, read back, targets, preferences, digest frequencies, settle (one UPDATE per
    # reason), delivered UPDATE, the rows still there (a row deleted mid-send gets no
    # attempt), attempts INSERT, the final empty claim; digest windows looked for before
    # and after the run
    assert _dispatch_queries(4, "small") == _dispatch_queries(60, "large") == 12

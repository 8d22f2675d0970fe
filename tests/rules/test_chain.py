"""The delivery-rule chain: order, first decider wins, the guarded writer, raising rules."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from django_notification_system.dispatch.claim import claim_batch
from django_notification_system.dispatch.decisions import RuleContext, write_decisions
from django_notification_system.dispatch.load import claimed_notifications
from django_notification_system.dispatch.rules_chain import RuleChain
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import Notification, NotificationOptOut
from django_notification_system.rules import DEFAULT_RULES, Reschedule, Settle
from tests import factories
from tests.rules import x

pytestmark = pytest.mark.django_db

CANCEL_ODD = "tests.rules.x.CancelOdd"
LATER = "tests.rules.x.LaterAll"
BOOM = "tests.rules.x.Boom"


@pytest.fixture(autouse=True)
def fresh_seen():
    x.SEEN.clear()


def _statuses(rows) -> dict:
    return dict(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "status")
    )


def test_default_chain_order():
    names = [rule.name for rule in RuleChain.load(DEFAULT_RULES).rules]
    assert names == [
        "opt-out",
        "preferences",
        "inactive record",
        "unusable address",
        "quiet hours",
        "digests",
        "throttles",
    ]


@override_settings(NOTIFICATION_SYSTEM_DELIVERY_RULES=[*DEFAULT_RULES, CANCEL_ODD, LATER])
def test_first_decider_wins_and_later_rules_never_see_decided_rows():
    rows = factories.due_notifications(6)  # titles n0..n5
    NotificationOptOut.objects.create(user_id=rows[1].target_user_record.user_id, active=True)
    summary = process_notifications()
    statuses = _statuses(rows)
    assert statuses[rows[1].pk] == Notification.OPTED_OUT  # the opt-out came first
    assert {statuses[rows[i].pk] for i in (3, 5)} == {Notification.CANCELLED}
    assert {statuses[rows[i].pk] for i in (0, 2, 4)} == {Notification.SCHEDULED}
    assert [sorted(pks) for pks in x.SEEN["cancel odd"]] == [
        sorted(r.pk for r in rows if r.pk != rows[1].pk)
    ]
    assert [sorted(pks) for pks in x.SEEN["later"]] == [sorted(rows[i].pk for i in (0, 2, 4))]
    assert summary.counts["CANCELLED"] == 2
    assert summary.counts["LATER"] == 3
    assert Notification.objects.get(pk=rows[3].pk).last_error == "odd one out"
    later = Notification.objects.get(pk=rows[0].pk)
    assert later.scheduled_delivery > timezone.now()
    assert later.retry_attempts == 0 and later.claim_token is None


def test_the_writer_only_touches_rows_still_under_the_claim():
    rows = factories.due_notifications(3)
    token, now = uuid.uuid4(), timezone.now()
    claim_batch(token, 10, due_before=now, now=now, lease=timezone.timedelta(minutes=5))
    by_pk = {n.pk: n for n in claimed_notifications(token, now)}
    claimed = [by_pk[r.pk] for r in rows]
    # Another worker took the first row over after its lease.
    Notification.objects.filter(pk=rows[0].pk).update(claim_token=uuid.uuid4())
    context = RuleContext(now=timezone.now(), claim_token=token)
    decided = [
        (claimed[0], Settle(Notification.CANCELLED, "no")),
        (claimed[1], Settle(Notification.CANCELLED, "no")),
        (claimed[2], Reschedule(now + timezone.timedelta(hours=1), "later", key="LATER")),
    ]
    counts = write_decisions(token, decided, context)
    assert counts["LATER"] == 1
    statuses = _statuses(rows)
    assert statuses[rows[0].pk] == Notification.SENDING  # not ours any more: untouched
    assert statuses[rows[1].pk] == Notification.CANCELLED
    assert statuses[rows[2].pk] == Notification.SCHEDULED


@override_settings(NOTIFICATION_SYSTEM_DELIVERY_RULES=[*DEFAULT_RULES, BOOM])
def test_a_raising_rule_releases_its_batch_and_the_run_goes_on(caplog):
    rows = factories.due_notifications(5)
    summary = process_notifications(batch_size=2)
    assert summary.batches == 3  # every batch was still claimed and tried
    assert summary.rule_errors == {"boom": "raised RuntimeError"}
    fresh = list(Notification.objects.filter(pk__in=[r.pk for r in rows]))
    assert {n.status for n in fresh} == {Notification.SCHEDULED}  # claimable again
    assert {n.retry_attempts for n in fresh} == {0}
    assert {n.claim_token for n in fresh} == {None}
    assert {n.attempted_delivery for n in fresh} == {None}
    assert "boom" in caplog.text
    assert "n0" not in caplog.text  # no message data in the log
    with override_settings(NOTIFICATION_SYSTEM_DELIVERY_RULES=DEFAULT_RULES):
        assert process_notifications().counts["DELIVERED"] == 5  # claimed at once


@override_settings(NOTIFICATION_SYSTEM_DELIVERY_RULES=[*DEFAULT_RULES, BOOM])
def test_the_command_exits_non_zero_naming_the_rule():
    factories.due_notifications(2)
    with pytest.raises(CommandError, match="boom") as raised:
        call_command("process_notifications", stdout=StringIO(), stderr=StringIO())
    assert raised.value.returncode == 1


@override_settings(NOTIFICATION_SYSTEM_DELIVERY_RULES=["tests.rules.x.Missing"])
def test_a_chain_that_does_not_load_claims_nothing_and_names_the_path():
    rows = factories.due_notifications(1)
    summary = process_notifications()
    assert "tests.rules.x.Missing" in next(iter(summary.rule_errors.values()))
    assert _statuses(rows) == {rows[0].pk: Notification.SCHEDULED}

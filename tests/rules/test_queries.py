"""What ``decide`` is given, and what the chain costs per batch."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from django_notification_system.dispatch.claim import claim_batch
from django_notification_system.dispatch.decisions import RuleContext
from django_notification_system.dispatch.load import claimed_notifications
from django_notification_system.dispatch.rules_chain import RuleChain
from django_notification_system.models import NotificationUserSettings
from django_notification_system.rules import DEFAULT_RULES
from tests import factories

pytestmark = pytest.mark.django_db

CATEGORIES = {
    "news": {"throttle": {"channels": ["twilio"], "rate": "1/h", "over_limit": "defer"}},
    "comments": {"digest": {"channels": ["twilio"], "window": 3600}},
}


def _claimed(count: int, module_name: str) -> tuple[uuid.UUID, list]:
    rows = factories.due_notifications(count, module_name, prefix=f"q{count}-")
    for i, row in enumerate(rows):
        row.category = ("news", "comments", "")[i % 3]
        row.save(update_fields=["category"])
    users = [r.target_user_record.user_id for r in rows[::2]]
    NotificationUserSettings.objects.bulk_create(
        [
            NotificationUserSettings(
                user_id=u, timezone="UTC", quiet_hours_start="00:00", quiet_hours_end="23:59"
            )
            for u in users
        ]
    )
    token, now = uuid.uuid4(), timezone.now()
    claim_batch(token, count, due_before=now, now=now, lease=timezone.timedelta(minutes=5))
    return token, claimed_notifications(token, now)


def test_decide_gets_records_and_targets_without_a_query(django_assert_num_queries):
    _, rows = _claimed(4, "twilio")
    with django_assert_num_queries(0):
        for n in rows:
            record = n.target_user_record
            assert (record.user_id, record.target_user_id, record.active) != (None, None, None)
            assert record.target.notification_module_name == "twilio"
            assert n.category is not None and n.scheduled_delivery is not None


@override_settings(NOTIFICATION_SYSTEM_CATEGORIES=CATEGORIES)
@pytest.mark.parametrize("size", [6, 30])
def test_the_default_chain_reads_a_constant_number_of_queries(size, django_assert_num_queries):
    token, rows = _claimed(size, "twilio")
    chain = RuleChain.load(DEFAULT_RULES)
    context = RuleContext(now=timezone.now(), claim_token=token)
    # preferences, quiet hours' settings, frequencies, time zones none (all immediate),
    # the throttle's recent sends: the same for 3 rows as for 30.
    with django_assert_num_queries(4):
        decided = chain.decide(rows, context)
    assert decided

"""An address its channel cannot use: saved as in 1.5.3, refused by ``full_clean()`` (the
admin), and at dispatch settled INACTIVE DEVICE by the ``UnusableAddress`` rule, its record
deactivated, with no provider call."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from django_notification_system.dispatch.claim import claim_batch
from django_notification_system.dispatch.decisions import RuleContext, write_decisions
from django_notification_system.dispatch.load import claimed_notifications
from django_notification_system.dispatch.rules_chain import RuleChain
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import Notification, TargetUserRecord
from django_notification_system.notification_creators import expo as expo_creator
from django_notification_system.rules import DEFAULT_RULES
from django_notification_system.rules.addresses import UnusableAddress
from tests import factories
from tests.fakes import FakeExpo

pytestmark = pytest.mark.django_db

MALFORMED = "INVALID_TOKEN!!!!"
GOOD = "ExponentPushToken[ada-phone]"
REASON = (
    "The target user record's address cannot be used on its channel: not an Expo push "
    "token: expected ExponentPushToken[...] and nothing else."
)


@pytest.fixture
def fake_expo(settings):
    with FakeExpo() as fake:
        settings.NOTIFICATION_SYSTEM_TARGETS = {
            **settings.NOTIFICATION_SYSTEM_TARGETS,
            "expo": {"host": fake.url, "timeout": 5},
        }
        yield fake


def _expo_row(username: str, address: str) -> Notification:
    record = factories.record(factories.user(username), "expo", address=address)
    return factories.notification(record, title=f"for {username}")


def test_the_rule_follows_inactive_record_in_the_default_chain():
    assert "django_notification_system.rules.addresses.UnusableAddress" in DEFAULT_RULES
    names = [rule.name for rule in RuleChain.load(DEFAULT_RULES).rules]
    assert names[names.index("inactive record") + 1] == "unusable address"


def test_the_admin_add_form_refuses_a_malformed_token(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    ada = factories.user()
    url = reverse("admin:django_notification_system_targetuserrecord_add")
    form = {"user": ada.pk, "target": factories.target("expo").pk, "description": "phone"}

    response = client.post(url, {**form, "target_user_id": MALFORMED, "active": "on"})

    assert response.status_code == 200  # the form again, with the error
    assert (
        "not an Expo push token" in response.context["adminform"].form.errors["target_user_id"][0]
    )
    assert not TargetUserRecord.objects.exists()
    response = client.post(url, {**form, "target_user_id": GOOD, "active": "on"})
    assert response.status_code == 302
    assert TargetUserRecord.objects.get().target_user_id == GOOD


def test_dispatch_settles_a_malformed_token_without_calling_expo(fake_expo):
    bad, good = _expo_row("ada", MALFORMED), _expo_row("bob", GOOD)

    summary = process_notifications()

    bad.refresh_from_db()
    assert (bad.status, bad.last_error) == (Notification.INACTIVE_DEVICE, REASON)
    assert bad.claim_token is None and bad.retry_attempts == 0
    assert TargetUserRecord.objects.get(pk=bad.target_user_record_id).active is False
    assert TargetUserRecord.objects.get(pk=good.target_user_record_id).active is True
    assert Notification.objects.get(pk=good.pk).status == Notification.DELIVERED
    assert [m["to"] for m in fake_expo.sent_messages()] == [GOOD]  # the bad one never left
    assert summary.counts["INACTIVE DEVICE"] == 1
    assert summary.counts["DELIVERED"] == 1


def test_only_malformed_rows_reach_no_request_at_all(fake_expo):
    _expo_row("ada", MALFORMED)
    _expo_row("bob", "ExponentPushToken[]")

    process_notifications()

    assert fake_expo.requests == []
    assert set(Notification.objects.values_list("status", flat=True)) == {
        Notification.INACTIVE_DEVICE
    }
    assert not TargetUserRecord.objects.filter(active=True).exists()


def test_the_1_5_3_creator_still_creates_and_dispatch_settles(fake_expo):
    ada = factories.user()
    factories.record(ada, "expo", address="291747127401")  # as 1.5.3's own tests do

    expo_creator.create_notification(ada, "Wow", "You really did it!")

    [row] = Notification.objects.all()
    process_notifications()
    row.refresh_from_db()
    assert row.status == Notification.INACTIVE_DEVICE
    assert fake_expo.requests == []


def _claimed(rows: list[Notification]) -> tuple[uuid.UUID, list[Notification]]:
    token, now = uuid.uuid4(), timezone.now()
    claim_batch(token, len(rows), due_before=now, now=now, lease=timezone.timedelta(minutes=5))
    return token, claimed_notifications(token, now)


@pytest.mark.parametrize("size", [2, 20])
def test_the_rule_reads_nothing(size, django_assert_num_queries):
    for i in range(size):
        _expo_row(f"u{i}", MALFORMED if i % 2 else f"ExponentPushToken[u{i}]")
    token, rows = _claimed(list(Notification.objects.all()))
    context = RuleContext(now=timezone.now(), claim_token=token)

    with django_assert_num_queries(0):
        decided = UnusableAddress().decide(rows, context)

    assert len(decided) == size // 2


@pytest.mark.parametrize("size", [2, 20])
def test_the_writer_deactivates_in_one_update(size, django_assert_max_num_queries):
    for i in range(size):
        _expo_row(f"u{i}", MALFORMED)
    token, rows = _claimed(list(Notification.objects.all()))
    context = RuleContext(now=timezone.now(), claim_token=token)
    decided = list(UnusableAddress().decide(rows, context).items())
    by_pk = {n.pk: n for n in rows}

    # The records' UPDATE and the rows' UPDATE (plus the savepoint around them), whatever
    # the size.
    with django_assert_max_num_queries(4):
        counts = write_decisions(token, [(by_pk[pk], d) for pk, d in decided], context)

    assert counts["INACTIVE DEVICE"] == size
    assert not TargetUserRecord.objects.filter(active=True).exists()


def test_a_record_corrected_meanwhile_or_a_row_taken_over_stays_active():
    fixed, taken, dead = (_expo_row(n, MALFORMED) for n in ("fixed", "taken", "dead"))
    token, rows = _claimed([fixed, taken, dead])
    context = RuleContext(now=timezone.now(), claim_token=token)
    decided = UnusableAddress().decide(rows, context)
    TargetUserRecord.objects.filter(pk=fixed.target_user_record_id).update(target_user_id=GOOD)
    Notification.objects.filter(pk=taken.pk).update(claim_token=uuid.uuid4())

    write_decisions(token, [(n, decided[n.pk]) for n in rows], context)

    active = dict(TargetUserRecord.objects.values_list("pk", "active"))
    assert active[fixed.target_user_record_id] is True  # its address is usable now
    assert active[taken.target_user_record_id] is True  # not ours any more
    assert active[dead.target_user_record_id] is False
    assert Notification.objects.get(pk=taken.pk).status == Notification.SENDING


def test_no_address_in_the_log(fake_expo, caplog):
    _expo_row("ada", MALFORMED)

    process_notifications()

    assert MALFORMED not in caplog.text

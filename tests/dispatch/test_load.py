"""Loading a claimed batch: the instances equal what the ORM builds, at a fraction of the cost."""

import uuid
from datetime import timedelta

import pytest
from django.db.models.signals import post_init
from django.utils import timezone

from django_notification_system.dispatch import claim, load
from django_notification_system.models import Notification, NotificationOptOut
from tests import factories


def _claim_all(now=None):
    now = now or timezone.now()
    token = uuid.uuid4()
    claim.claim_batch(token, 100, due_before=now, now=now, lease=timedelta(minutes=5))
    return token, now


def _field_values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@pytest.mark.django_db
def test_loaded_instances_equal_what_the_orm_loads(make_due):
    rows = make_due("email", 3, extra={"tags": ["a"]})
    token, now = _claim_all()
    # An opt-out saved after the claim (bulk_create: no save() settling the user's rows).
    NotificationOptOut.objects.bulk_create(
        [NotificationOptOut(user=rows[1].target_user_record.user, active=True)]
    )
    loaded = {n.pk: n for n in load.claimed_notifications(token, now)}

    assert set(loaded) == {r.pk for r in rows}
    for orm in Notification.objects.select_related("target_user_record__target"):
        ours = loaded[orm.pk]
        assert type(ours) is Notification
        assert ours._state.adding is False
        assert ours._state.db == orm._state.db
        assert _field_values(ours) == _field_values(orm)  # deferred ones load on access
        record = ours.target_user_record
        assert _field_values(record) == _field_values(orm.target_user_record)
        assert record.target == orm.target_user_record.target
        assert ours.extra == {"tags": ["a"]}
        assert ours.status == Notification.SENDING
        assert ours.attempted_delivery == now
    assert [loaded[r.pk].user_opted_out for r in rows] == [False, True, False]


@pytest.mark.django_db
def test_bookkeeping_columns_are_deferred_and_save_skips_them(make_due):
    (row,) = make_due("email", 1)
    token, now = _claim_all()
    (loaded,) = load.claimed_notifications(token, now)
    assert loaded.get_deferred_fields() == set(load.BOOKKEEPING_FIELDS)
    assert loaded.target_user_record.get_deferred_fields() == {"created_date", "modified_date"}

    loaded.status = Notification.DELIVERED  # what a 1.5.3-style handler does
    loaded.save()
    fresh = Notification.objects.get(pk=row.pk)
    assert fresh.status == Notification.DELIVERED
    assert fresh.claim_token == token  # deferred: not overwritten by the handler's save()


@pytest.mark.django_db
def test_init_receivers_see_every_loaded_instance(make_due):
    make_due("email", 2)
    token, now = _claim_all()
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Notification)
    try:
        loaded = load.claimed_notifications(token, now)
    finally:
        post_init.disconnect(receiver, sender=Notification)
    assert seen == loaded
    assert all(n.target_user_record.target.notification_module_name == "email" for n in loaded)
    assert loaded[0].get_deferred_fields() == set(load.BOOKKEEPING_FIELDS)
    assert {n.status for n in loaded} == {Notification.SENDING}


@pytest.mark.django_db
def test_targets_come_from_the_cache_once_loaded(make_due, django_assert_num_queries):
    make_due("email", 2)
    cache = {}
    token, now = _claim_all()
    with django_assert_num_queries(2):  # the batch, then its one unseen target
        load.claimed_notifications(token, now, cache)
    factories.due_notifications(2, prefix="later")
    token, now = _claim_all(timezone.now())
    with django_assert_num_queries(1):
        assert len(load.claimed_notifications(token, now, cache)) == 2

"""Migration 0007 moves de-duplication from ``extra`` to ``extra_hash`` keeping every row."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from django_notification_system.models import Notification
from django_notification_system.models.extra import extra_fingerprint

from .schema import schema_problems
from .test_upgrade_from_1_5_3 import APP, latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def apps_0006():
    Notification.objects.all().delete()
    try:
        yield migrate([(APP, "0006_preload_targets")])
    finally:
        migrate(latest())


def test_existing_rows_get_their_hash_and_stay_distinct(apps_0006):
    User = apps_0006.get_model("auth", "User")
    Target = apps_0006.get_model(APP, "NotificationTarget")
    Record = apps_0006.get_model(APP, "TargetUserRecord")
    Note = apps_0006.get_model(APP, "Notification")
    user = User.objects.create(username="ada", email="ada@example.com")
    record = Record.objects.create(
        user=user,
        target=Target.objects.get_or_create(
            notification_module_name="email", defaults={"name": "Email"}
        )[0],
        target_user_id="a",
    )
    when = timezone.now()
    extras = [{"a": 1, "b": 2}, {"z": [1, {"y": "é"}]}, None, None]
    if connection.vendor == "sqlite":
        # Stored as different text, so the old rule told them apart; the new one must too.
        extras.append({"b": 2, "a": 1})
    for extra in extras:
        Note.objects.create(
            target_user_record=record, title="T", scheduled_delivery=when, extra=extra
        )

    migrate(latest())

    rows = list(Notification.objects.all())
    assert sorted(map(repr, (n.extra for n in rows))) == sorted(map(repr, extras))
    hashes = {repr(n.extra): n.extra_hash for n in rows}
    assert hashes[repr({"z": [1, {"y": "é"}]})] == extra_fingerprint({"z": [1, {"y": "é"}]})
    assert [n.extra_hash for n in rows if n.extra is None] == [None, None]
    twins = sorted(n.extra_hash for n in rows if n.extra == {"a": 1, "b": 2})
    if connection.vendor == "sqlite":  # one keeps the plain hash, the other is told apart
        assert extra_fingerprint({"a": 1, "b": 2}) in twins and len(set(twins)) == 2
    else:
        assert twins == [extra_fingerprint({"a": 1, "b": 2})]
    assert schema_problems() == []
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            target_user_record_id=record.pk,
            title="T",
            scheduled_delivery=when,
            extra={"b": 2, "a": 1},
        )

"""A 1.5.3 database upgrades in place: migrate back to 1.5.3's last migration, write rows
in the 1.5.3 shape (rule violations included), migrate forward, check data and constraints.

The module leaves the database migrated to the latest state for the tests that follow.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from django_notification_system.models import (
    DeliveryAttempt,
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)

from .schema import schema_problems

pytestmark = pytest.mark.django_db(transaction=True)

APP = "django_notification_system"
LAST_1_5_3_MIGRATION = (APP, "0002_auto_20201201_1720")
NOTIFICATION_FIELDS = (
    "title",
    "body",
    "extra",
    "scheduled_delivery",
    "retry_time_interval",
    "retry_attempts",
    "max_retries",
    "created_date",
    "modified_date",
    "target_user_record_id",
)


def migrate(targets: list[tuple[str, str]]):
    """Migrate the test database to ``targets``; return the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes(APP)


@pytest.fixture
def old_apps():
    """The database at 1.5.3's schema (our tables emptied first); back to latest afterwards."""
    for model in (DeliveryAttempt, Notification, NotificationOptOut, TargetUserRecord):
        model.objects.all().delete()
    NotificationTarget.objects.all().delete()
    try:
        yield migrate([LAST_1_5_3_MIGRATION])
    finally:
        migrate(latest())


def seed_1_5_3(apps) -> dict:
    """Rows as 1.5.3 stored them, through the historical models (no save-time rules)."""
    User = apps.get_model("auth", "User")
    Target = apps.get_model(APP, "NotificationTarget")
    Record = apps.get_model(APP, "TargetUserRecord")
    OptOut = apps.get_model(APP, "NotificationOptOut")
    Note = apps.get_model(APP, "Notification")

    targets = {
        module: Target.objects.create(name=name, notification_module_name=module)
        for name, module in [
            ("E-mail", "email"),  # renamed by the site: 0006 must not add another "Email"
            ("Twilio", "twilio"),
            ("Expo", "expo"),
            ("Pager", "pager"),
        ]
    }
    ada = User.objects.create(username="ada", email="ada@example.com")
    bob = User.objects.create(username="bob", email="bob@example.com")
    ada_email = Record.objects.create(
        user=ada, target=targets["email"], target_user_id="ada@example.com", description="A"
    )
    ada_pager = Record.objects.create(
        user=ada, target=targets["pager"], target_user_id="555", description="P", active=False
    )
    bob_email = Record.objects.create(
        user=bob, target=targets["email"], target_user_id="bob@example.com", description="B"
    )
    OptOut.objects.create(user=bob, active=True)
    OptOut.objects.create(user=ada, active=False)

    now = timezone.now().replace(microsecond=0)
    earlier = now - timedelta(hours=1)
    rows = [
        # (title, record, status, attempted_delivery)
        ("scheduled", ada_email, "SCHEDULED", None),
        ("scheduled but attempted", ada_email, "SCHEDULED", earlier),  # breaks rule 1
        ("delivered, no date", ada_email, "DELIVERED", None),  # breaks rule 2
        ("failed, no date", ada_pager, "DELIVERY FAILURE", None),  # breaks rule 2
        ("retry", ada_email, "RETRY", earlier),
        ("inactive", ada_pager, "INACTIVE DEVICE", earlier),
        ("opted out", bob_email, "OPTED OUT", None),
        ("unknown status", ada_email, "PENDING", None),  # breaks the status list
    ]
    notes = {
        title: Note.objects.create(
            target_user_record=record,
            title=title,
            body=f"body of {title}",
            extra={"k": title} if status == "RETRY" else {},
            status=status,
            scheduled_delivery=now,
            attempted_delivery=attempted,
            retry_attempts=1 if status == "RETRY" else 0,
        )
        for title, record, status, attempted in rows
    }
    return {"now": now, "earlier": earlier, "notes": notes}


def snapshot(note) -> dict:
    return {field: getattr(note, field) for field in NOTIFICATION_FIELDS}


def test_a_1_5_3_database_upgrades_in_place_keeping_its_data(old_apps):
    seeded = seed_1_5_3(old_apps)
    before = {title: snapshot(n) for title, n in seeded["notes"].items()}
    old_records = set(old_apps.get_model(APP, "TargetUserRecord").objects.values_list())

    migrate(latest())

    targets = sorted(NotificationTarget.objects.values_list("name", "notification_module_name"))
    assert targets == [
        ("E-mail", "email"),
        ("Expo", "expo"),
        ("In-App", "in_app"),
        ("Pager", "pager"),
        ("Twilio", "twilio"),
        ("Web Push", "webpush"),
    ]
    records = TargetUserRecord.objects.values_list(
        "created_date",
        "modified_date",
        "id",
        "target_user_id",
        "description",
        "active",
        "target_id",
        "user_id",
    )
    assert set(records) == old_records
    assert sorted(NotificationOptOut.objects.values_list("user__username", "active")) == [
        ("ada", False),
        ("bob", True),
    ]

    after = {n.title: n for n in Notification.objects.all()}
    assert after.keys() == before.keys()
    for title, note in after.items():
        assert snapshot(note) == before[title], title
        assert (note.last_error, note.provider_message_id, note.claim_token) in [
            ("", "", None),
            ("Unknown status before the upgrade from 1.5.3: PENDING", "", None),
        ]
    statuses = {title: (n.status, n.attempted_delivery) for title, n in after.items()}
    modified = {title: n.modified_date for title, n in after.items()}
    assert statuses == {
        "scheduled": ("SCHEDULED", None),
        "scheduled but attempted": ("SCHEDULED", None),
        "delivered, no date": ("DELIVERED", modified["delivered, no date"]),
        "failed, no date": ("DELIVERY FAILURE", modified["failed, no date"]),
        "retry": ("RETRY", seeded["earlier"]),
        "inactive": ("INACTIVE DEVICE", seeded["earlier"]),
        "opted out": ("OPTED OUT", None),
        "unknown status": ("DELIVERY FAILURE", modified["unknown status"]),
    }
    assert after["retry"].extra == {"k": "retry"}


def test_the_upgraded_database_enforces_the_new_constraints(old_apps):
    seeded = seed_1_5_3(old_apps)
    migrate(latest())
    assert schema_problems() == []

    retry = Notification.objects.get(title="retry")
    violations = [
        {"status": "SCHEDULED", "attempted_delivery": seeded["now"]},  # rule 1
        {"status": "DELIVERED", "attempted_delivery": None},  # rule 2
        {"status": "NOT A STATUS"},
    ]
    for values in violations:
        with pytest.raises(IntegrityError), transaction.atomic():
            Notification.objects.filter(pk=retry.pk).update(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(
                    target_user_record=retry.target_user_record,
                    title=retry.title,
                    extra=retry.extra,
                    scheduled_delivery=retry.scheduled_delivery,
                )
            ]
        )
    # The new columns and table work on the upgraded rows.
    Notification.objects.filter(pk=retry.pk).update(status="SENDING", last_error="x" * 500)
    DeliveryAttempt.objects.create(notification=retry, outcome="retry", error="timeout")
    assert retry.attempts.count() == 1
    longer = NotificationTarget.objects.create(
        name="A much longer target name", notification_module_name="long"
    )
    assert longer.target_user_records.count() == 0


def test_migrating_forward_twice_adds_no_targets(old_apps):
    migrate(latest())
    first = sorted(NotificationTarget.objects.values_list("name", "notification_module_name"))
    migrate([(APP, "0005_notification_check_constraints")])
    migrate(latest())
    second = sorted(NotificationTarget.objects.values_list("name", "notification_module_name"))
    built_in = [
        ("Email", "email"),
        ("Expo", "expo"),
        ("In-App", "in_app"),
        ("Twilio", "twilio"),
        ("Web Push", "webpush"),
    ]
    assert first == second == built_in

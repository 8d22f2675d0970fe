"""Fixtures for the channel handlers: the fakes on loopback and settings pointing at them."""

from __future__ import annotations

import pytest

from django_notification_system.models import Notification
from tests import factories
from tests.fakes import FakeExpo, FakeTwilio

SENDER = "+15005550001"


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def fake_expo():
    with FakeExpo() as fake:
        yield fake


@pytest.fixture
def twilio_settings(settings, fake_twilio):
    """NOTIFICATION_SYSTEM_TARGETS["twilio_sms"] pointing the real client at the fake."""
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "twilio_sms": {
            "account_sid": fake_twilio.account_sid,
            "auth_token": fake_twilio.auth_token,
            "sender": SENDER,
            "api_base_url": fake_twilio.url,
            "timeout": 5,
        },
    }
    return settings.NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]


@pytest.fixture
def expo_settings(settings, fake_expo):
    """NOTIFICATION_SYSTEM_TARGETS["expo"] pointing the real PushClient at the fake."""
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "expo": {"host": fake_expo.url, "timeout": 5},
    }
    return settings.NOTIFICATION_SYSTEM_TARGETS["expo"]


def as_dispatched(notifications) -> list[Notification]:
    """Reload rows the way the dispatcher hands them to a handler, in the same order."""
    pks = [n.pk for n in notifications]
    rows = Notification.objects.select_related(
        "target_user_record", "target_user_record__target", "target_user_record__user"
    ).in_bulk(pks)
    return [rows[pk] for pk in pks]


def make_notifications(module_name: str, addresses: list[str], **kwargs) -> list[Notification]:
    """One user, record and due notification per address, reloaded as the dispatcher would."""
    created = []
    for i, address in enumerate(addresses):
        user = factories.user(f"{module_name}{i}")
        record = factories.record(user, module_name=module_name, address=address)
        created.append(factories.notification(record, title=f"Title {i}", **kwargs))
    return as_dispatched(created)


def bulk_notifications(module_name: str, addresses: list[str], prefix: str) -> list[Notification]:
    """Like ``make_notifications`` for many rows, in a constant number of queries."""
    from django.contrib.auth import get_user_model

    from django_notification_system.models import TargetUserRecord

    User = get_user_model()
    User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(len(addresses))])
    users = User.objects.filter(username__startswith=prefix).in_bulk(field_name="username")
    target = factories.target(module_name)
    records = TargetUserRecord.objects.bulk_create(
        [
            TargetUserRecord(user=users[f"{prefix}{i}"], target=target, target_user_id=address)
            for i, address in enumerate(addresses)
        ]
    )
    rows = Notification.objects.bulk_create(
        [
            Notification(target_user_record=record, title=f"n{i}", body="hello")
            for i, record in enumerate(records)
        ]
    )
    return as_dispatched(rows)

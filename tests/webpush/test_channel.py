"""Web Push through the real pywebpush against a loopback push service that checks the VAPID
signature and decrypts every push with the subscription's private key."""

from __future__ import annotations

import base64
import json
import logging
import socket
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.exceptions import MissingDependency
from django_notification_system.models import DeliveryAttempt, Notification, TargetUserRecord
from django_notification_system.notification_creators import webpush as creator
from django_notification_system.notification_handlers import webpush as handler
from django_notification_system.notification_handlers.base import (
    ChannelHandler,
    Delivered,
    Failed,
    InactiveAddress,
    Retry,
)
from tests import factories

from .conftest import SUBJECT

pytestmark = pytest.mark.django_db


def subscribed(push_service, username: str = "ada"):
    """A user, a browser subscription made at the push service, and its record."""
    user = factories.user(username)
    subscription = push_service.subscribe()
    record = creator.register_subscription(user, subscription.info())
    return user, subscription, record


def rows_of(record) -> list[Notification]:
    return list(Notification.objects.filter(target_user_record=record))


def test_the_handler_is_a_channel_handler():
    assert handler.Handler is handler.WebPushHandler
    assert issubclass(handler.Handler, ChannelHandler)
    assert handler.Handler.channel == "webpush"


def test_a_push_is_delivered_encrypted_and_signed(push_service, webpush_settings):
    user, subscription, record = subscribed(push_service)
    creator.create_notification(
        user, "New reply", body="Ann answered", url="/inbox/", extra={"data": {"thread": 7}}
    )

    summary = process_notifications()

    assert summary.counts == {"DELIVERED": 1}
    assert push_service.rejected == []
    [push] = push_service.received_by(subscription)
    assert push.payload == {
        "title": "New reply",
        "body": "Ann answered",
        "url": "/inbox/",
        "data": {"thread": 7},
    }
    assert push.ttl == handler.DEFAULT_TTL
    assert push.claims["sub"] == SUBJECT and push.claims["aud"] == push_service.url
    assert [n.status for n in rows_of(record)] == [Notification.DELIVERED]


def test_the_handler_sends_ttl_urgency_and_topic(push_service, webpush_settings):
    webpush_settings["ttl"] = 600
    user, subscription, _record = subscribed(push_service)
    [row] = creator.create_notification(
        user, "Hi", extra={"ttl": 60, "urgency": "high", "topic": "inbox"}
    )
    [plain] = creator.create_notification(user, "Plain", idempotency_key="second")
    sender = handler.WebPushHandler()
    sender.open()
    try:
        outcomes = [sender.send(row), sender.send(plain)]
    finally:
        sender.close()

    assert outcomes == [Delivered(), Delivered()]
    first, second = push_service.received_by(subscription)
    assert (first.ttl, first.headers["urgency"], first.headers["topic"]) == (60, "high", "inbox")
    assert first.payload == {"title": "Hi", "body": "", "url": "", "data": None}
    assert second.ttl == 600 and "urgency" not in second.headers


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_deactivated(push_service, webpush_settings, status):
    user, subscription, record = subscribed(push_service)
    push_service.answer(subscription, status)
    creator.create_notification(user, "Hi")

    summary = process_notifications()

    assert summary.counts == {"INACTIVE DEVICE": 1}
    [row] = rows_of(record)
    assert row.status == Notification.INACTIVE_DEVICE
    assert str(status) in row.last_error
    record.refresh_from_db()
    assert record.active is False


def test_429_is_retried_after_the_retry_after(settings, push_service, webpush_settings):
    settings.NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES = 120
    user, subscription, record = subscribed(push_service)
    push_service.answer(subscription, 429, {"Retry-After": "1800"})
    creator.create_notification(user, "Hi")
    Notification.objects.filter(target_user_record=record).update(retry_time_interval=1)
    before = timezone.now()

    summary = process_notifications()

    assert summary.counts == {"RETRY": 1}
    [row] = rows_of(record)
    assert row.status == Notification.RETRY
    assert row.scheduled_delivery >= before + timedelta(seconds=1800)
    assert row.scheduled_delivery <= timezone.now() + timedelta(minutes=120)
    assert DeliveryAttempt.objects.filter(outcome="retry").count() == 1


@pytest.mark.parametrize(
    "status, expected",
    [
        (500, Notification.RETRY),
        (503, Notification.RETRY),
        (400, Notification.DELIVERY_FAILURE),
        (413, Notification.DELIVERY_FAILURE),
        (403, Notification.DELIVERY_FAILURE),
    ],
)
def test_answers_map_onto_statuses(push_service, webpush_settings, status, expected):
    user, subscription, record = subscribed(push_service)
    push_service.answer(subscription, status)
    creator.create_notification(user, "Hi")

    process_notifications()

    [row] = rows_of(record)
    assert row.status == expected
    record.refresh_from_db()
    assert record.active is True


@pytest.mark.parametrize(
    "status, outcome",
    [
        (201, Delivered),
        (202, Delivered),
        (200, Delivered),
        (404, InactiveAddress),
        (410, InactiveAddress),
        (400, Failed),
        (413, Failed),
        (401, Failed),
        (429, Retry),
        (500, Retry),
        (502, Retry),
    ],
)
def test_the_status_table(status, outcome):
    assert isinstance(handler.outcome_for_response(status), outcome)


def test_an_unreachable_push_service_is_retried_without_naming_the_endpoint(
    push_service, webpush_settings, caplog
):
    user, subscription, record = subscribed(push_service)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    info = subscription.info()
    info["endpoint"] = f"http://127.0.0.1:{port}/push/{subscription.id}"
    TargetUserRecord.objects.filter(pk=record.pk).update(target_user_id=json.dumps(info))
    [row] = creator.create_notification(user, "Hi")
    row = Notification.objects.select_related("target_user_record").get(pk=row.pk)

    with caplog.at_level(logging.DEBUG):
        [outcome] = handler.send_batch([row])

    assert isinstance(outcome, Retry)
    assert subscription.id not in outcome.error and str(port) not in outcome.error
    assert subscription.id not in caplog.text


def test_a_malformed_subscription_is_an_inactive_address_and_no_request(
    push_service, webpush_settings
):
    user, _subscription, record = subscribed(push_service)
    TargetUserRecord.objects.filter(pk=record.pk).update(target_user_id='{"endpoint": 1}')

    creator.create_notification(user, "Hi")
    process_notifications()

    [row] = rows_of(record)
    assert row.status == Notification.INACTIVE_DEVICE
    assert push_service.requests == []


def test_nothing_personal_is_logged(push_service, webpush_settings, caplog):
    user, subscription, _record = subscribed(push_service)
    dead_user, dead, _ = subscribed(push_service, "bob")
    push_service.answer(dead, 410)
    creator.create_notification(user, "Secret title", body="secret body")
    creator.create_notification(dead_user, "Secret title", body="secret body")

    with caplog.at_level(logging.DEBUG):
        process_notifications()

    for text in (subscription.id, dead.id, subscription.p256dh, "secret body", "Secret title"):
        assert text not in caplog.text


def test_the_public_key_matches_the_private_key(webpush_settings, vapid_public):
    assert creator.vapid_public_key() == vapid_public


def test_a_raw_base64url_private_key_is_accepted(webpush_settings, vapid, vapid_public):
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    webpush_settings["vapid_private_key"] = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert creator.vapid_public_key() == vapid_public


def test_without_pywebpush_the_error_names_the_extra(monkeypatch, webpush_settings):
    monkeypatch.setitem(sys.modules, "pywebpush", None)
    with pytest.raises(MissingDependency, match=r"django-notification-system\[webpush\]"):
        handler.WebPushHandler().open()


# -- manage.py check ------------------------------------------------------------------------


def check_output(settings, options: dict) -> str:
    settings.NOTIFICATION_SYSTEM_TARGETS = {"webpush": options}
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    return str(raised.value)


def test_check_names_a_missing_vapid_key(settings):
    output = check_output(settings, {"vapid_subject": SUBJECT})
    assert 'NOTIFICATION_SYSTEM_TARGETS["webpush"] is missing required option(s)' in output
    assert '"vapid_private_key"' in output


def test_check_names_a_malformed_vapid_key_without_printing_it(settings):
    secret = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg-not-a-key"
    output = check_output(settings, {"vapid_private_key": secret, "vapid_subject": SUBJECT})
    assert 'NOTIFICATION_SYSTEM_TARGETS["webpush"]["vapid_private_key"]' in output
    assert "not a usable VAPID private key" in output
    assert secret not in output and secret[:20] not in output


def test_check_names_a_bad_subject(settings, vapid_pem):
    output = check_output(settings, {"vapid_private_key": vapid_pem, "vapid_subject": "ops"})
    assert 'NOTIFICATION_SYSTEM_TARGETS["webpush"]["vapid_subject"]' in output


def test_check_passes_with_a_good_key(settings, vapid_pem):
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        "webpush": {"vapid_private_key": vapid_pem, "vapid_subject": SUBJECT, "ttl": 0}
    }
    call_command("check")

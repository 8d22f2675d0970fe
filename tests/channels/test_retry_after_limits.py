"""Issue 13 case 2: a provider's Retry-After never parks a row past the retry policy's
maximum, and no value, however absurd, crashes the record step."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from django_notification_system.dispatch.retry import provider_delay
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification
from django_notification_system.notification_handlers.errors import parse_retry_after
from tests.channels.conftest import make_notifications

pytestmark = pytest.mark.django_db

OK = "+15005550006"
MAX_BACKOFF_MINUTES = 60
POLICY_MINUTES = 5


@pytest.mark.parametrize(
    ("retry_after", "clamped"),
    [
        ("999999999", True),
        ("1000000000000", True),  # 10^12 s: OverflowError in the record step before
        ("Fri, 31 Dec 9999 23:59:59 GMT", True),  # year 9999
        ("9" * 5000, True),  # longer than int() converts
        ("not a delay", False),
        ("-30", False),
        ("Mon, 01 Jan 2001 00:00:00 GMT", False),  # in the past
    ],
)
def test_twilio_retry_after_is_clamped_through_the_whole_run(
    settings, fake_twilio, twilio_settings, retry_after, clamped
):
    settings.NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES = MAX_BACKOFF_MINUTES
    rows = make_notifications("twilio", [OK, OK, OK])
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
        retry_time_interval=POLICY_MINUTES
    )
    fake_twilio.fail_next(
        429, {"message": "slow down", "status": 429}, {"Retry-After": retry_after}, times=3
    )
    before = timezone.now()

    summary = process_notifications()

    assert summary.counts == {"RETRY": 3}
    after = timezone.now()
    for n in Notification.objects.filter(pk__in=[n.pk for n in rows]):
        assert n.status == Notification.RETRY and n.claim_token is None
        assert n.scheduled_delivery <= after + timedelta(minutes=MAX_BACKOFF_MINUTES)
        if clamped:
            assert n.scheduled_delivery >= before + timedelta(minutes=MAX_BACKOFF_MINUTES)
        else:  # the policy's fixed interval
            assert n.scheduled_delivery <= after + timedelta(minutes=POLICY_MINUTES)
    assert DeliveryAttempt.objects.filter(outcome="retry").count() == 3


def test_exponential_policy_clamps_the_provider_delay_too(settings, fake_twilio, twilio_settings):
    settings.NOTIFICATION_SYSTEM_RETRY_POLICY = "exponential"
    settings.NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES = MAX_BACKOFF_MINUTES
    [n] = make_notifications("twilio", [OK])
    fake_twilio.fail_next(
        503, {"message": "down", "status": 503}, {"Retry-After": "1000000000000"}
    )
    process_notifications()
    n.refresh_from_db()
    assert n.scheduled_delivery <= timezone.now() + timedelta(minutes=MAX_BACKOFF_MINUTES)


@pytest.mark.parametrize(
    "value",
    ["1000000000000", "Fri, 31 Dec 9999 23:59:59 GMT", "Sat, 01 Jan 0001 00:00:00 GMT", "\u00b2"],
)
def test_parsing_never_raises_and_stays_finite(value):
    delay = parse_retry_after(value)
    assert delay is None or timedelta(0) <= delay <= timedelta(days=366)


@pytest.mark.parametrize(
    "after", [math.inf, math.nan, -1, timedelta(seconds=-5), "60", True, object()]
)
def test_a_custom_handlers_unusable_delay_falls_back_to_the_policy(after):
    assert provider_delay(after) is None


def test_a_custom_handlers_huge_delay_is_clamped(settings):
    settings.NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES = 30
    assert provider_delay(timedelta(days=999_999_999)) == timedelta(minutes=30)
    assert provider_delay(10**15) == timedelta(minutes=30)
    assert provider_delay(90) == timedelta(seconds=90)

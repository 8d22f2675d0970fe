"""Quiet hours end to end: settings, the Python API, the dispatcher holding rows in bulk."""

import uuid
import zoneinfo
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system.checks import check_settings
from django_notification_system.dispatch.claim import claim_batch
from django_notification_system.dispatch.load import claimed_notifications
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import (
    DeliveryAttempt,
    Notification,
    NotificationUserSettings,
)
from django_notification_system.quiet_hours import (
    next_allowed_time,
    set_quiet_hours,
    settings_for,
)
from django_notification_system.quiet_hours.hold import HELD, hold_for_quiet_hours
from tests import factories

pytestmark = pytest.mark.django_db

SETTING = "NOTIFICATION_SYSTEM_QUIET_HOURS_CHANNELS"


def quiet_now(user, zone: str = "Australia/Sydney") -> NotificationUserSettings:
    """Give ``user`` a window around the current local time in ``zone``."""
    local = timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
    start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    return set_quiet_hours(user, start, end, timezone=zone)


def awake_now(user, zone: str = "America/New_York") -> NotificationUserSettings:
    local = timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
    start = (local + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    return set_quiet_hours(user, start, end, timezone=zone)


# --- settings and API --------------------------------------------------------------------


@override_settings(TIME_ZONE="Europe/Paris")
def test_settings_are_created_on_demand_with_the_project_time_zone():
    user = factories.user()
    row = settings_for(user)
    assert (row.timezone, row.quiet_hours_start, row.quiet_hours_end) == (
        "Europe/Paris",
        None,
        None,
    )
    assert settings_for(user.pk) == row
    assert NotificationUserSettings.objects.count() == 1


def test_set_quiet_hours_stores_times_and_zone():
    user = factories.user()
    row = set_quiet_hours(user, "22:00", time(7), timezone="Australia/Sydney")
    row.refresh_from_db()
    assert (row.timezone, row.quiet_hours_start, row.quiet_hours_end) == (
        "Australia/Sydney",
        time(22),
        time(7),
    )
    cleared = set_quiet_hours(user, None, None)
    assert cleared.timezone == "Australia/Sydney"
    assert not cleared.has_quiet_hours


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("22:00", "07:00", "Mars/Olympus_Mons"), "not an IANA time zone"),
        (("22:00", "07:00", "../../etc/passwd"), "not an IANA time zone"),
        (("22:00", None, None), "both the start and the end"),
        (("07:00", "07:00", None), "empty"),
    ],
)
def test_bad_settings_are_refused_by_name_and_nothing_changes(args, message):
    user = factories.user()
    set_quiet_hours(user, "23:00", "06:00", timezone="Europe/London")
    with pytest.raises(ValidationError, match=message):
        set_quiet_hours(user, *args)
    row = NotificationUserSettings.objects.get()
    assert (row.timezone, row.quiet_hours_start, row.quiet_hours_end) == (
        "Europe/London",
        time(23),
        time(6),
    )


def test_a_time_that_is_not_a_time_is_a_value_error():
    with pytest.raises(ValueError, match="start"):
        set_quiet_hours(factories.user(), "late", "07:00")


def test_the_database_refuses_half_a_window():
    user = factories.user()
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationUserSettings.objects.create(user=user, quiet_hours_start=time(22))


def test_next_allowed_time():
    user = factories.user()
    set_quiet_hours(user, "22:00", "07:00", timezone="America/New_York")
    night = datetime(2026, 3, 7, 23, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    day = datetime(2026, 3, 7, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    held = next_allowed_time(user, "twilio", night)
    assert held == datetime(2026, 3, 8, 11, tzinfo=dt_timezone.utc)
    assert held.tzinfo is dt_timezone.utc
    assert next_allowed_time(user, "expo", night) == held
    assert next_allowed_time(user, "email", night) == night  # email is not held by default
    assert next_allowed_time(user, "twilio", day) == day
    assert next_allowed_time(user, "twilio", day).tzinfo is dt_timezone.utc
    assert next_allowed_time(factories.user("bob"), "twilio", night) == night  # no settings
    with override_settings(**{SETTING: ["email"]}):
        assert next_allowed_time(user, "email", night) == held
        assert next_allowed_time(user, "twilio", night) == night


@pytest.mark.parametrize("bad", ["twilio", [""], [1], None, {"twilio": True}])
def test_the_check_names_a_bad_channels_setting(bad):
    with override_settings(**{SETTING: bad}):
        messages = [e.msg for e in check_settings() if SETTING in e.msg]
        assert len(messages) == 1
        with pytest.raises(SystemCheckError, match=SETTING):
            call_command("check")


def test_the_default_channels_pass_the_check():
    assert not [e for e in check_settings() if SETTING in e.msg]
    with override_settings(**{SETTING: ["email", "sms_gateway"]}):
        assert not [e for e in checks.run_checks() if SETTING in e.msg]


# --- the dispatcher ----------------------------------------------------------------------


@pytest.fixture
def scripted_is_quiet():
    with override_settings(
        NOTIFICATION_SYSTEM_HANDLERS=["tests.dispatch.handlers"], **{SETTING: ["scripted"]}
    ):
        yield


def _rows(module_name: str, users, **fields) -> list[Notification]:
    return [
        factories.notification(factories.record(u, module_name=module_name), **fields)
        for u in users
    ]


def test_rows_of_users_in_their_quiet_hours_wait_for_the_end(scripted_is_quiet):
    sleeper, awake, unset = factories.user("sleeper"), factories.user("awake"), factories.user("u")
    quiet_now(sleeper)
    awake_now(awake)
    earlier = timezone.now() - timedelta(hours=2)
    held = _rows("scripted", [sleeper])[0]
    held_retry = factories.notification(
        factories.record(sleeper, module_name="scripted", address="second"),
        status=Notification.RETRY,
        attempted_delivery=earlier,
        retry_attempts=1,
    )
    sent = _rows("scripted", [awake, unset])
    not_quiet_channel = _rows("email", [sleeper])
    expected = next_allowed_time(sleeper, "scripted")

    summary = process_notifications()

    assert summary.counts == {HELD: 2, "DELIVERED": 3}
    for row in (held, held_retry):
        row.refresh_from_db()
        assert row.status == Notification.SCHEDULED
        assert row.scheduled_delivery == expected
        assert row.attempted_delivery is None
        assert row.claim_token is None and row.lease_expires_at is None
    assert held_retry.retry_attempts == 1  # no attempt counted
    assert not DeliveryAttempt.objects.filter(notification__in=[held, held_retry]).exists()
    delivered = Notification.objects.filter(status=Notification.DELIVERED)
    assert set(delivered.values_list("pk", flat=True)) == {
        n.pk for n in [*sent, *not_quiet_channel]
    }
    # Not due again before the window ends.
    assert process_notifications().claimed == 0


def _dispatch_queries(count: int, prefix: str) -> int:
    users = [factories.user(f"{prefix}{i}") for i in range(count)]
    for user in users:
        quiet_now(user, "Europe/London")
    _rows("scripted", users)
    with CaptureQueriesContext(connection) as ctx:
        summary = process_notifications(batch_size=500)
    assert summary.counts == {HELD: count}
    return len(ctx.captured_queries)


def test_holding_costs_the_same_queries_for_any_batch_size(scripted_is_quiet):
    assert _dispatch_queries(3, "small") == _dispatch_queries(30, "large")


def _claimed_by_channel(token) -> dict:
    now = timezone.now()
    claim_batch(token, 100, due_before=now, now=now, lease=timedelta(minutes=5))
    claimed_at = Notification.objects.filter(claim_token=token).first().modified_date
    to_send: dict = {}
    for n in claimed_notifications(token, claimed_at):
        to_send.setdefault(n.target_user_record.target.notification_module_name, []).append(n)
    return to_send


def test_twilio_and_expo_are_held_by_default_and_email_is_not():
    sleeper = factories.user("sleeper")
    quiet_now(sleeper, "Pacific/Auckland")
    sms = _rows("twilio", [sleeper])
    push = factories.notification(
        factories.record(sleeper, module_name="expo", address="ExponentPushToken[x]")
    )
    mail_row = _rows("email", [sleeper])
    token = uuid.uuid4()
    to_send = _claimed_by_channel(token)
    with CaptureQueriesContext(connection) as ctx:
        assert hold_for_quiet_hours(token, to_send, timezone.now()) == 2
    assert len(ctx.captured_queries) == 2  # the users' settings, one UPDATE
    assert list(to_send) == ["email"]
    assert [n.pk for n in to_send["email"]] == [mail_row[0].pk]
    held = Notification.objects.filter(pk__in=[sms[0].pk, push.pk])
    assert set(held.values_list("status", flat=True)) == {Notification.SCHEDULED}


def test_a_batch_without_quiet_channels_costs_no_query():
    _rows("email", [factories.user()])
    token = uuid.uuid4()
    to_send = _claimed_by_channel(token)
    with CaptureQueriesContext(connection) as ctx:
        assert hold_for_quiet_hours(token, to_send, timezone.now()) == 0
    assert ctx.captured_queries == []


@override_settings(
    NOTIFICATION_SYSTEM_CATEGORIES={"security": {"critical": True}, "news": {}},
)
def test_critical_categories_are_never_held():
    sleeper = factories.user("sleeper")
    quiet_now(sleeper, "America/Sao_Paulo")
    record = factories.record(sleeper, module_name="twilio", address="+15005550006")
    alert = factories.notification(record, title="Sign-in from a new device", category="security")
    news = factories.notification(record, title="New feature", category="news")
    plain = factories.notification(record, title="No category")
    token = uuid.uuid4()
    to_send = _claimed_by_channel(token)
    assert hold_for_quiet_hours(token, to_send, timezone.now()) == 2
    assert [n.pk for n in to_send["twilio"]] == [alert.pk]
    assert set(
        Notification.objects.filter(pk__in=[news.pk, plain.pk]).values_list("status", flat=True)
    ) == {Notification.SCHEDULED}
    assert Notification.objects.get(pk=alert.pk).status == Notification.SENDING

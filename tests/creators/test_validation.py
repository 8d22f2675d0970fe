"""Invalid input is a clear ValueError at creation time, never a surprise in the cron job."""

import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.test import override_settings
from django.utils import timezone

from django_notification_system.models import Notification
from django_notification_system.notification_creators import email, expo, twilio
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    return factories.record()


@pytest.mark.parametrize("title", ["", "   ", None])
def test_empty_title(record, title):
    with pytest.raises(ValueError, match="non-empty title"):
        email.create_notification(record.user, title, "B")


def test_title_at_the_field_limit_is_fine_one_more_is_not(record):
    limit = Notification._meta.get_field("title").max_length
    assert len(email.create_notification(record.user, "x" * limit, "B")) == 1
    with pytest.raises(ValueError, match=f"limit is {limit}"):
        email.create_notification(record.user, "x" * (limit + 1), "B")


@pytest.mark.parametrize(
    "extra",
    [{"when": dt.datetime(2026, 1, 1)}, {"s": {1, 2}}, {"n": math.nan}, {"o": object()}],
    ids=["datetime", "set", "nan", "object"],
)
def test_extra_must_be_json_serialisable(record, extra):
    with pytest.raises(ValueError, match="JSON-serialisable"):
        email.create_notification(record.user, "T", "B", extra=extra)
    assert not Notification.objects.exists()


def test_extra_must_be_a_dict(record):
    with pytest.raises(ValueError, match="must be a dict"):
        email.create_notification(record.user, "T", "B", extra=["a"])


def test_twilio_body_limit():
    record = factories.record(module_name="twilio", address="+15550003")
    assert len(twilio.create_notification(record.user, "T", "x" * 1600)) == 1
    with pytest.raises(ValueError, match="at most 1600"):
        twilio.create_notification(record.user, "T", "x" * 1601)


def test_expo_accepts_every_push_option():
    record = factories.record(module_name="expo", address="ExponentPushToken[z]")
    extra = {
        "data": {"screen": "inbox"},
        "sound": "default",
        "ttl": 60,
        "expiration": 1893456000,
        "priority": "high",
        "badge": 1,
        "category": "c",
        "display_in_foreground": True,
        "channel_id": "alerts",
        "subtitle": "s",
        "mutable_content": False,
    }
    (created,) = expo.create_notification(record.user, "T", "B", extra=extra)
    assert Notification.objects.get(pk=created.pk).extra == extra


def test_expo_push_options_match_the_sdk():
    from exponent_server_sdk import PushMessage

    assert set(PushMessage._fields) - {"to", "title", "body"} == expo.PUSH_OPTIONS


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"colour": "red", "sound": "x"}, r"Unknown Expo push options.*'colour'"),
        ({"to": "t"}, "to"),
    ],
)
def test_expo_rejects_unknown_or_reserved_options(extra, message):
    record = factories.record(module_name="expo", address="ExponentPushToken[w]")
    with pytest.raises(ValueError, match=message):
        expo.create_notification(record.user, "T", "B", extra=extra)


def test_naive_datetime_under_use_tz_is_a_clear_error(record):
    with pytest.raises(ValueError, match="naive datetime but USE_TZ is True"):
        email.create_notification(record.user, "T", "B", scheduled_delivery=dt.datetime.now())


def test_non_datetime_scheduled_delivery(record):
    with pytest.raises(ValueError, match="must be a datetime"):
        email.create_notification(record.user, "T", "B", scheduled_delivery="tomorrow")


def test_aware_datetime_in_another_zone_is_kept_as_that_instant(record):
    tokyo = dt.timezone(dt.timedelta(hours=9))
    when = dt.datetime(2030, 5, 1, 9, 30, tzinfo=tokyo)
    email.create_notification(record.user, "T", "B", scheduled_delivery=when)
    stored = Notification.objects.get().scheduled_delivery
    assert stored == when
    assert stored == dt.datetime(2030, 5, 1, 0, 30, tzinfo=dt.timezone.utc)


@override_settings(USE_TZ=False)
def test_aware_datetime_without_use_tz_is_made_naive(record):
    when = timezone.make_aware(dt.datetime(2030, 5, 1, 9, 30), dt.timezone.utc)
    (created,) = email.create_notification(record.user, "T", "B", scheduled_delivery=when)
    assert timezone.is_naive(created.scheduled_delivery)


@pytest.mark.parametrize(
    ("name", "value"), [("max_retries", -1), ("retry_time_interval", "5"), ("max_retries", True)]
)
def test_counts_must_be_non_negative_integers(record, name, value):
    with pytest.raises(ValueError, match=name):
        email.create_notification(record.user, "T", "B", **{name: value})


def test_validation_happens_even_when_quiet(record):
    with pytest.raises(ValueError):
        email.create_notification(record.user, "", "B", quiet=True)


# --- email templates -------------------------------------------------------------------


def test_email_needs_a_body_or_a_template(record):
    with pytest.raises(ValueError, match="template_name"):
        email.create_notification(record.user, "T")
    with pytest.raises(ValueError, match="template_name"):
        email.create_notification(record.user, "T", extra={"code": 1})


def test_email_body_is_rendered_at_creation_with_extra_as_context(record):
    extra = {"template_name": "creators/welcome.html", "name": "Ada", "code": 42}
    (created,) = email.create_notification(record.user, "Welcome", extra=extra)
    stored = Notification.objects.get(pk=created.pk)
    assert stored.body.strip() == "<p>Hello Ada, your code is 42.</p>"
    assert stored.title == "Welcome"


def test_explicit_body_wins_over_the_template(record):
    extra = {"template_name": "creators/welcome.html", "name": "Ada"}
    (created,) = email.create_notification(record.user, "T", "Given", extra=extra)
    assert created.body == "Given"


def test_subject_template_gives_the_title_on_one_line(record):
    extra = {
        "template_name": "creators/welcome.html",
        "subject_template_name": "creators/welcome_subject.txt",
        "name": "Ada",
    }
    (created,) = email.create_notification(record.user, "", extra=extra)
    assert Notification.objects.get(pk=created.pk).title == "Welcome, Ada!"


def test_given_title_wins_over_the_subject_template(record):
    extra = {"subject_template_name": "creators/welcome_subject.txt", "name": "Ada"}
    (created,) = email.create_notification(record.user, "Mine", "B", extra=extra)
    assert created.title == "Mine"


def test_template_errors_reach_the_caller(record):
    with pytest.raises(TemplateDoesNotExist):
        email.create_notification(record.user, "T", extra={"template_name": "creators/nope.html"})
    with pytest.raises(TemplateSyntaxError):
        email.create_notification(
            record.user, "T", extra={"template_name": "creators/broken.html"}
        )
    assert not Notification.objects.exists()


@pytest.mark.parametrize("title", ["Hi\r\nBcc: victim@example.com", "two\nlines", "cr\ronly"])
def test_title_with_a_line_break_is_refused_at_creation(record, title):
    """Issue 13 case 7: it could never be sent as an email subject (it was retried forever)."""
    with pytest.raises(ValueError, match="line break"):
        email.create_notification(record.user, title, "B")
    with pytest.raises(ValueError, match="line break"):
        factories.notification(record, title=title)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "title", ["tab\there", "vt\x0bhere", "fs\x1chere", "nul\x00", "del\x7f", "nel\x85", "ls\u2028"]
)
def test_title_with_any_control_character_is_refused_at_creation(record, title):
    """Issue 30: email splits a subject at these (an injected header, or a row retried
    forever); the message says which character, never the title."""
    with pytest.raises(ValueError, match=r"control character \(U\+[0-9A-F]{4} at position"):
        email.create_notification(record.user, title, "B")
    n = Notification(target_user_record=record, title=title, body="B")
    with pytest.raises(ValidationError) as invalid:
        n.full_clean()
    assert "control character" in invalid.value.message_dict["title"][0]
    assert not Notification.objects.exists()


def test_save_still_accepts_what_1_5_3_accepted(record):
    """1.5.3 compatibility: the new checks run at creation and in full_clean, not in save()."""
    factories.notification(record, title="vt\x0bhere", extra={"headers": {"X T": "v"}})
    assert Notification.objects.count() == 1


BAD_HEADERS = {
    "X-Tag\r\nBcc: a@evil.example": "1",
    "X Tag": "1",
    "X-Tag:": "1",
    "": "1",
    "Ünïcode": "1",
    "X-Tab\t": "1",
}


@pytest.mark.parametrize("name", sorted(BAD_HEADERS))
def test_a_header_name_outside_rfc_5322_is_refused_naming_it(record, name):
    with pytest.raises(ValueError, match="invalid header name"):
        email.create_notification(record.user, "T", "B", extra={"headers": {name: "1"}})
    n = Notification(target_user_record=record, title="T", extra={"headers": {name: "1"}})
    with pytest.raises(ValidationError) as invalid:
        n.full_clean()
    assert "invalid header name" in invalid.value.message_dict["extra"][0]
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "value", ["v\r\nBcc: a@evil.example", "v\nx", "v\x0bx", "v\x1cx", "v\x00", "v\u2029"]
)
def test_a_header_value_with_a_control_character_is_refused_never_echoed(record, value):
    with pytest.raises(ValueError, match=r"extra\['headers'\]\['X-Tag'\] contains a control") as e:
        email.create_notification(record.user, "T", "B", extra={"headers": {"X-Tag": value}})
    assert "evil" not in str(e.value) and value not in str(e.value)


@pytest.mark.parametrize("headers", [["X-Tag", "1"], "X-Tag: 1", {"X-Tag": ["1"]}])
def test_headers_of_the_wrong_shape_are_refused(record, headers):
    with pytest.raises(ValueError, match=r"extra\['headers'\]"):
        email.create_notification(record.user, "T", "B", extra={"headers": headers})


def test_valid_headers_are_stored(record):
    headers = {"X-Campaign": "spring \u00e9t\u00e9", "X-Count": 3, "List-Id": "<news.example>"}
    [n] = email.create_notification(record.user, "T", "B", extra={"headers": headers})
    assert n.extra["headers"] == headers

"""Wrong arguments are TypeError/ValueError naming the argument; creator exceptions name the
user (pk) and the channel, so a log line says whom a notification was not created for."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from django_notification_system.exceptions import (
    NotificationsNotCreated,
    UserHasNoTargetRecords,
    UserIsOptedOut,
)
from django_notification_system.models import Notification, NotificationOptOut
from django_notification_system.notification_creators import email, expo, in_app, twilio, webpush
from django_notification_system.notification_creators.base import create_for_user
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("creator", [email, twilio, expo], ids=["email", "twilio", "expo"])
@pytest.mark.parametrize("user", [None, 42, "ada"], ids=["None", "int", "str"])
def test_a_user_that_is_not_a_user_instance_is_a_type_error_naming_it(creator, user):
    with pytest.raises(TypeError, match=r"^user must be a saved \w+ instance, not"):
        creator.create_notification(user, "Title", "Body")
    assert not Notification.objects.exists()


def test_an_unsaved_user_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match=r"^user must be saved"):
        email.create_notification(get_user_model()(username="ghost"), "Title", "Body")


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"retry_time_interval": "soon"}, ValueError, "retry_time_interval"),
        ({"max_retries": -1}, ValueError, "max_retries"),
        ({"extra": ["not", "a", "dict"]}, ValueError, "extra"),
        ({"scheduled_delivery": "tomorrow"}, ValueError, "scheduled_delivery"),
    ],
)
def test_wrong_argument_values_name_the_argument(kwargs, error, argument):
    record = factories.record()
    with pytest.raises(error, match=argument):
        email.create_notification(record.user, "Title", "Body", **kwargs)


def test_no_target_records_names_the_user_and_the_channel():
    user = factories.user("norecords")
    with pytest.raises(UserHasNoTargetRecords) as raised:
        twilio.create_notification(user, "Title", "Body")
    assert str(raised.value).startswith(
        f"User {user.pk} has no active target records on channel 'twilio': to add one, "
    )


@pytest.mark.parametrize(
    ("creator", "fix"),
    [
        (email, "python manage.py create_email_target_user_records"),
        (twilio, "TargetUserRecord for the Twilio target"),
        (expo, "TargetUserRecord for the Expo target"),
        (webpush, "webpush.register_subscription(user, subscription)"),
    ],
)
def test_no_target_records_names_the_fix_and_the_docs_page(creator, fix):
    user = factories.user("norecords", "norecords@example.com")
    with pytest.raises(UserHasNoTargetRecords) as raised:
        creator.create_notification(user, "Title", "Body")
    assert fix in str(raised.value)
    assert 'docs/creators.rst, "Target user records"' in str(raised.value)


def test_an_inactive_in_app_record_says_how_to_reactivate_it():
    user = factories.user("inactive")
    in_app.create_notification(user, "First")
    user.notification_target_user_records.update(active=False)
    with pytest.raises(UserHasNoTargetRecords, match="set the record's active=True"):
        in_app.create_notification(user, "Second")


def test_a_custom_channel_names_its_module_name():
    user = factories.user("norecords")
    with pytest.raises(UserHasNoTargetRecords, match="notification_module_name is 'pager'"):
        create_for_user("pager", user, "Title", "Body")


def test_opted_out_names_the_user_and_the_channel():
    record = factories.record()
    NotificationOptOut.objects.create(user=record.user, active=True)
    with pytest.raises(UserIsOptedOut, match=f"^User {record.user.pk} is opted out .*'email'"):
        email.create_notification(record.user, "Title", "Body")


def test_already_scheduled_names_the_user_and_the_channel():
    record = factories.record()
    when = timezone.now()
    email.create_notification(record.user, "Title", "Body", scheduled_delivery=when)
    with pytest.raises(NotificationsNotCreated, match=f"user {record.user.pk} on channel 'email'"):
        email.create_notification(record.user, "Title", "Body", scheduled_delivery=when)

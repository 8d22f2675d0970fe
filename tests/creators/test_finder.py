"""get_creator: the creator for a target, built-in or from NOTIFICATION_SYSTEM_CREATORS."""

import pytest
from django.test import override_settings

from django_notification_system.exceptions import NotificationSystemConfigurationError
from django_notification_system.models import Notification, NotificationTarget
from django_notification_system.notification_creators import email, expo, get_creator, twilio
from tests import factories
from tests.settings import ROOT

DIRECTORY = ROOT / "tests" / "creators" / "dir_creators"


@pytest.mark.parametrize(
    ("name", "module"), [("email", email), ("twilio", twilio), ("expo", expo)]
)
def test_builtins_by_module_name(name, module):
    assert get_creator(name) is module.create_notification


@pytest.mark.django_db
def test_by_target_and_by_record():
    record = factories.record(module_name="expo", address="ExponentPushToken[f]")
    assert get_creator(record.target) is expo.create_notification
    assert get_creator(record) is expo.create_notification
    assert get_creator(NotificationTarget.objects.get(name="Email")) is email.create_notification


@pytest.mark.django_db
@override_settings(NOTIFICATION_SYSTEM_CREATORS=["tests.creators.custom"])
def test_dotted_path_entry_and_the_custom_module_uses_the_core():
    record = factories.record(module_name="pager", address="pager-1")
    creator = get_creator(record.target)
    (created,) = creator(record.user, "page me", "B")
    stored = Notification.objects.get(pk=created.pk)
    assert stored.title == "PAGE ME"
    assert stored.retry_time_interval == 5


@override_settings(NOTIFICATION_SYSTEM_CREATORS=[str(DIRECTORY)])
def test_directory_entry_as_in_1_5_3():
    assert get_creator("pigeon")("u", "t") == ["directory pigeon", "u", "t"]


@override_settings(NOTIFICATION_SYSTEM_CREATORS=["tests.creators.custom"])
@pytest.mark.parametrize("name", ["nothing_here", "", "../x", None])
def test_unknown_is_a_configuration_error_naming_it(name):
    with pytest.raises(NotificationSystemConfigurationError, match=repr(name).replace(".", r"\.")):
        get_creator(name)

"""NOTIFICATION_SYSTEM_CATEGORIES: parsed at call time, checked by ``manage.py check`` with
the key at fault and the closest known name."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_notification_system.checks import check_settings
from django_notification_system.exceptions import NotificationSystemConfigurationError
from django_notification_system.preferences import categories, get_category
from tests.preferences.conftest import CATEGORIES


def _messages(setting) -> list[str]:
    with override_settings(
        NOTIFICATION_SYSTEM_CATEGORIES=setting,
        NOTIFICATION_SYSTEM_PUBLIC_BASE_URL="https://www.example.com",
    ):
        return [f"{e.id}: {e.msg}" for e in check_settings()]


def test_the_issue_example_passes_the_checks():
    assert _messages(CATEGORIES) == []
    declared = categories()
    assert list(declared) == ["comments", "security", "news", "billing"]
    assert declared["comments"].label == "Comments on your posts"
    assert declared["comments"].default_for("twilio") is False
    assert declared["comments"].default_for("expo") is True  # missing from defaults: on
    assert declared["security"].critical and declared["security"].is_locked("expo")
    assert declared["billing"].is_locked("email") and not declared["billing"].is_locked("twilio")


def test_unknown_option_is_named_with_did_you_mean():
    (message,) = _messages({"news": {"label": "News", "defualts": {"email": False}}})
    assert message.startswith("django_notification_system.E007")
    assert 'NOTIFICATION_SYSTEM_CATEGORIES["news"]' in message
    assert "'defualts'" in message and "Did you mean 'defaults'?" in message


def test_unknown_channel_is_named_with_did_you_mean():
    (message,) = _messages({"news": {"defaults": {"emial": False}}})
    assert message.startswith("django_notification_system.E008")
    assert "'emial'" in message and "Did you mean 'email'?" in message
    (message,) = _messages({"ops": {"required": ["pager_duty"]}})
    assert "'pager_duty'" in message and "no handler module provides it" in message


@pytest.mark.parametrize(
    ("setting", "fragment"),
    [
        ([], "must be a dict of category key"),
        ({"*": {}}, "other than '*'"),
        ({"a/b": {}}, "without '/'"),
        ({"news": "News"}, '["news"] must be a dict'),
        ({"news": {"defaults": {"email": "no"}}}, '["defaults"] must be a dict'),
        ({"news": {"required": "email"}}, '["required"] must be a list'),
        ({"news": {"critical": 1}}, '["critical"] must be True or False'),
        ({"news": {"label": 3}}, '["label"] must be a string'),
        ({"news": {"required": ["email"], "defaults": {"email": False}}}, "required but off"),
        ({"x" * 65: {}}, "longer than 64"),
    ],
)
def test_malformed_settings_are_errors_naming_the_key(setting, fragment):
    (message,) = _messages(setting)
    assert message.startswith("django_notification_system.E007")
    assert fragment in message
    with (
        override_settings(NOTIFICATION_SYSTEM_CATEGORIES=setting),
        pytest.raises(NotificationSystemConfigurationError, match="CATEGORIES"),
    ):
        categories()


def test_manage_py_check_fails_on_a_typo():
    with (
        override_settings(NOTIFICATION_SYSTEM_CATEGORIES={"news": {"defaults": {"emial": 1}}}),
        pytest.raises(SystemCheckError, match="NOTIFICATION_SYSTEM_CATEGORIES"),
    ):
        call_command("check")


def test_unknown_category_names_the_known_ones():
    with pytest.raises(ValueError) as raised:
        get_category("coments")
    message = str(raised.value)
    assert "'coments'" in message and "Did you mean 'comments'?" in message
    assert "'comments', 'security', 'news', 'billing'" in message
    with (
        override_settings(NOTIFICATION_SYSTEM_CATEGORIES={}),
        pytest.raises(ValueError, match="NOTIFICATION_SYSTEM_CATEGORIES is empty"),
    ):
        get_category("news")


def test_a_missing_public_base_url_is_a_warning_when_email_can_be_unsubscribed():
    with override_settings(NOTIFICATION_SYSTEM_PUBLIC_BASE_URL=""):
        (warning,) = check_settings()
        assert warning.id == "django_notification_system.W001"
        assert "NOTIFICATION_SYSTEM_PUBLIC_BASE_URL" in warning.msg
        with override_settings(NOTIFICATION_SYSTEM_CATEGORIES={"s": {"critical": True}}):
            assert check_settings() == []

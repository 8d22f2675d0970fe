"""Issue 30.6: ``check`` errors when anymail's tracking webhooks are served without
``ANYMAIL["WEBHOOK_SECRET"]`` (anymail would accept a forged bounce and only warn)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_notification_system.checks import check_anymail_webhook_secret

E041 = "django_notification_system.E041"


def ids(messages) -> list[str]:
    return [m.id for m in messages]


@pytest.mark.parametrize("urlconf", ["tests.urls", "tests.tracking.nested_webhook_urls"])
@pytest.mark.parametrize("anymail", [None, {}, {"WEBHOOK_SECRET": ""}, "not a dict"])
def test_served_webhooks_without_a_secret_are_an_error_naming_the_setting(urlconf, anymail):
    with override_settings(ROOT_URLCONF=urlconf, ANYMAIL=anymail):
        [error] = check_anymail_webhook_secret()
    assert error.id == E041
    assert 'ANYMAIL["WEBHOOK_SECRET"]' in error.msg


@pytest.mark.parametrize("urlconf", ["tests.urls", "tests.tracking.nested_webhook_urls"])
def test_a_secret_satisfies_the_check(urlconf):
    with override_settings(ROOT_URLCONF=urlconf, ANYMAIL={"WEBHOOK_SECRET": "u:p"}):
        assert check_anymail_webhook_secret() == []
    with override_settings(ROOT_URLCONF=urlconf, ANYMAIL={}, ANYMAIL_WEBHOOK_SECRET="u:p"):
        assert check_anymail_webhook_secret() == []


def test_no_webhooks_in_the_urlconf_no_error():
    with override_settings(ROOT_URLCONF="django.contrib.auth.urls", ANYMAIL={}):
        assert check_anymail_webhook_secret() == []


def test_a_broken_urlconf_is_left_to_djangos_own_check():
    with override_settings(ROOT_URLCONF="tests.no_such_urls_module", ANYMAIL={}):
        assert check_anymail_webhook_secret() == []


def test_the_test_and_demo_settings_pass(settings):
    assert settings.ANYMAIL["WEBHOOK_SECRET"]
    assert check_anymail_webhook_secret() == []

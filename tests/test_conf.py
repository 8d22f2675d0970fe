"""The settings accessor and the system checks."""

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_notification_system import conf


def test_defaults_apply_when_settings_are_absent():
    assert conf.batch_size() == 500
    assert conf.lease_seconds() == 600
    assert conf.retry_policy() == "fixed"
    assert conf.module_paths("NOTIFICATION_SYSTEM_HANDLERS") == []


@override_settings(NOTIFICATION_SYSTEM_BATCH_SIZE=25)
def test_settings_are_read_at_call_time():
    assert conf.batch_size() == 25


def test_missing_target_option_names_the_exact_key():
    with pytest.raises(ImproperlyConfigured) as err:
        conf.target_option("twilio_sms", "account_sid")
    assert 'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["account_sid"]' in str(err.value)
    assert conf.target_option("twilio_sms", "timeout", default=10) == 10


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("NOTIFICATION_SYSTEM_BATCH_SIZE", 0, "NOTIFICATION_SYSTEM_BATCH_SIZE"),
        ("NOTIFICATION_SYSTEM_LEASE_SECONDS", "10", "NOTIFICATION_SYSTEM_LEASE_SECONDS"),
        ("NOTIFICATION_SYSTEM_RETRY_POLICY", "linear", "NOTIFICATION_SYSTEM_RETRY_POLICY"),
        ("NOTIFICATION_SYSTEM_HANDLERS", "handlers", "NOTIFICATION_SYSTEM_HANDLERS"),
        ("NOTIFICATION_SYSTEM_TARGETS", {"email": "x"}, 'NOTIFICATION_SYSTEM_TARGETS["email"]'),
    ],
)
def test_system_checks_report_misconfiguration_by_key(name, value, fragment):
    with override_settings(**{name: value}):
        messages = [m for m in run_checks() if m.id.startswith("django_notification_system")]
    assert messages, f"no check message for {name}={value!r}"
    assert any(fragment in m.msg for m in messages)


def test_valid_configuration_passes_checks():
    assert not [m for m in run_checks() if m.id.startswith("django_notification_system")]

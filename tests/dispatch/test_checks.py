"""``check`` reports configuration mistakes by name; ``check --database`` also names targets
whose module resolves to no handler."""

import re
import subprocess
from pathlib import Path

import pytest
from django.core import checks
from django.test import override_settings

from django_notification_system.checks import check_settings, check_target_handlers
from django_notification_system.notification_handlers import problems
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_target_without_handler_is_reported_by_name():
    factories.target("no_such_channel")
    errors = check_target_handlers(databases=["default"])
    ours = [e for e in errors if "no_such_channel" in e.msg]
    assert len(ours) == 1
    assert ours[0].id == "django_notification_system.E004"
    assert not [e for e in errors if "'email'" in e.msg]


def test_a_broken_handler_module_is_reported_with_its_error(tmp_path):
    (tmp_path / "broken.py").write_text("import module_that_does_not_exist_anywhere\n")
    factories.target("broken")
    factories.target("scripted")
    with override_settings(NOTIFICATION_SYSTEM_HANDLERS=["tests.dispatch.handlers", tmp_path]):
        errors = check_target_handlers(databases=["default"])
    (broken,) = [e for e in errors if "'broken'" in e.msg]
    assert "ModuleNotFoundError" in broken.msg
    assert not [e for e in errors if "scripted" in e.msg]


def test_the_check_is_registered_with_the_database_tag():
    assert check_target_handlers in checks.registry.registry.get_checks(
        include_deployment_checks=False
    )
    assert "database" in check_target_handlers.tags
    assert check_target_handlers(databases=None) == []


# -- plain ``manage.py check``: the settings alone, no database --------------------------


def messages(**overrides) -> list[str]:
    with override_settings(**overrides):
        return [e.msg for e in check_settings()]


def test_handler_and_creator_entries_that_cannot_be_imported_are_reported_with_the_error():
    found = messages(
        NOTIFICATION_SYSTEM_HANDLERS=["notes.handlerz", "/no/such/directory"],
        NOTIFICATION_SYSTEM_CREATORS=["tests.creators.custom"],
    )
    assert (
        "NOTIFICATION_SYSTEM_HANDLERS entry 'notes.handlerz' cannot be imported: "
        "ModuleNotFoundError: No module named 'notes'" in found
    )
    assert "NOTIFICATION_SYSTEM_HANDLERS entry '/no/such/directory' is not a directory" in found
    assert not [m for m in found if "CREATORS" in m]


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ({"emial": {}}, "unknown channel 'emial' (did you mean 'email'?)"),
        ({"twilio": {"sender": "+1"}}, "unknown channel 'twilio' (did you mean 'twilio_sms'?)"),
        (
            {"email": {"from_emial": "a@example.com"}},
            "NOTIFICATION_SYSTEM_TARGETS[\"email\"] has an unknown option 'from_emial' "
            "(did you mean 'from_email'?)",
        ),
    ],
)
def test_typos_in_targets_are_reported_with_a_suggestion(targets, expected):
    found = messages(NOTIFICATION_SYSTEM_TARGETS=targets)
    assert [m for m in found if expected in m], found


@pytest.mark.parametrize("value", [0, -2, "4", True, 2.5])
def test_expo_concurrency_must_be_a_positive_integer(value):
    found = messages(NOTIFICATION_SYSTEM_TARGETS={"expo": {"concurrency": value}})
    assert found == [
        'NOTIFICATION_SYSTEM_TARGETS["expo"]["concurrency"] must be a positive integer, '
        f"not {value!r}"
    ]


def test_expo_concurrency_is_a_known_option():
    assert messages(NOTIFICATION_SYSTEM_TARGETS={"expo": {"concurrency": 8}}) == []


def test_every_missing_key_of_a_channel_is_named_in_one_message():
    found = messages(NOTIFICATION_SYSTEM_TARGETS={"twilio_sms": {}})
    assert found == [
        'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"] is missing required option(s): '
        '"account_sid", "auth_token", "sender" or "messaging_service_sid"'
    ]


def test_custom_channels_named_after_their_handler_module_are_known():
    found = messages(
        NOTIFICATION_SYSTEM_HANDLERS=["tests.dispatch.handlers"],
        NOTIFICATION_SYSTEM_TARGETS={"misconfigured": {"api_key": "k"}, "email": {}},
    )
    assert found == []


def test_a_custom_handler_declaring_its_options_gets_them_checked():
    found = messages(
        NOTIFICATION_SYSTEM_HANDLERS=["demo.example.notification_handlers"],
        NOTIFICATION_SYSTEM_TARGETS={"pigeon_post": {"base_url": "https://x", "api_ky": "k"}},
    )
    assert found == [
        "NOTIFICATION_SYSTEM_TARGETS[\"pigeon_post\"] has an unknown option 'api_ky' "
        "(did you mean 'api_key'?)",
        'NOTIFICATION_SYSTEM_TARGETS["pigeon_post"] is missing required option(s): "api_key"',
    ]


def test_a_configured_channel_whose_sdk_is_missing_names_the_extra(subprocess_env, manage_py):
    """A real ``manage.py check`` in a child where the twilio package cannot be imported."""
    code = (
        "import sys; sys.modules['twilio'] = None; "
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check'])"
    )
    env = {
        **subprocess_env,
        "DJANGO_SETTINGS_MODULE": "tests.dispatch.check_settings",
    }
    result = subprocess.run(
        [manage_py[0], "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert 'pip install "django-notification-system[twilio]"' in result.stderr
    assert "account_sid" not in result.stderr  # all keys set; only the SDK is missing
    assert "Traceback" not in result.stderr


def test_every_option_a_builtin_handler_reads_is_a_known_option():
    """The spec cannot drift from the handlers: every ``option(CHANNEL, "key")`` is known."""
    package = Path(problems.__file__).parent
    for spec in problems.BUILTIN_CHANNELS.values():
        source = (package / f"{spec.module}.py").read_text()
        read = set(re.findall(r"option\(\s*CHANNEL,\s*[\"'](\w+)[\"']", source))
        assert read, spec.module
        assert read <= spec.options, (spec.module, read - spec.options)


@pytest.mark.parametrize(
    ("lease", "timeout", "reported"),
    [(600, 120, False), (240, 120, False), (239, 120, True), (15, 120, True), (2, 1, False)],
)
def test_a_lease_shorter_than_twice_the_handler_timeout_is_an_error(lease, timeout, reported):
    """Issue 30.6: such a lease let a second run re-send rows still being sent."""
    with override_settings(
        NOTIFICATION_SYSTEM_LEASE_SECONDS=lease, NOTIFICATION_SYSTEM_HANDLER_TIMEOUT=timeout
    ):
        errors = [e for e in check_settings() if e.id == "django_notification_system.E042"]
    assert bool(errors) == reported
    if reported:
        assert "NOTIFICATION_SYSTEM_LEASE_SECONDS" in errors[0].msg
        assert "NOTIFICATION_SYSTEM_HANDLER_TIMEOUT" in errors[0].msg
        assert str(2 * timeout) in errors[0].hint


def test_an_invalid_handler_timeout_is_reported_once_not_by_the_lease_check():
    with override_settings(NOTIFICATION_SYSTEM_HANDLER_TIMEOUT="soon"):
        errors = check_settings()
    assert [e for e in errors if "NOTIFICATION_SYSTEM_HANDLER_TIMEOUT" in e.msg]
    assert not [e for e in errors if e.id == "django_notification_system.E042"]

"""manage.py check names each problem of a category's ``digest`` option."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_notification_system.checks import check_settings
from django_notification_system.digests import digest_configs


def messages(settings, digest) -> list[tuple[str, str]]:
    settings.NOTIFICATION_SYSTEM_CATEGORIES = {"comments": {"digest": digest}}
    return [(m.id, m.msg) for m in check_settings() if m.id.endswith(("E020", "E021", "E022"))]


@pytest.mark.parametrize(
    ("digest", "problem"),
    [
        ("email", '["digest"] must be a dict, not str'),
        ({"window": 60}, '["digest"]["channels"] must be a non-empty list'),
        ({"channels": "email"}, '["digest"]["channels"] must be a non-empty list'),
        ({"channels": ["email"], "window": -1}, '["window"] must be a non-negative integer'),
        ({"channels": ["email"], "max_items": 0}, '["max_items"] must be a positive integer'),
        ({"channels": ["email"], "windw": 60}, "unknown option 'windw'"),
        ({"channels": ["email"], "template": ""}, '["template"] must be a template name'),
    ],
)
def test_malformed_digest_options_are_errors_naming_the_category(settings, digest, problem):
    (found,) = messages(settings, digest)
    assert found[0] == "django_notification_system.E020"
    assert 'NOTIFICATION_SYSTEM_CATEGORIES["comments"]["digest"]' in found[1]
    assert problem in found[1]
    with pytest.raises(ImproperlyConfigured):
        digest_configs()


def test_a_missing_template_is_an_error(settings):
    found = messages(settings, {"channels": ["email"], "subject_template": "nowhere.txt"})
    assert found == [
        (
            "django_notification_system.E021",
            'NOTIFICATION_SYSTEM_CATEGORIES["comments"]["digest"]["subject_template"] '
            "'nowhere.txt' is not found by the template loaders.",
        )
    ]


def test_a_channel_without_handler_is_an_error(settings):
    found = messages(settings, {"channels": ["emial"]})
    assert [f[0] for f in found] == ["django_notification_system.E022"]
    assert "'emial'" in found[0][1]


def test_a_good_digest_option_passes_and_a_critical_one_warns(settings):
    assert messages(settings, {"channels": ["email"], "window": 60, "max_items": 10}) == []
    settings.NOTIFICATION_SYSTEM_CATEGORIES = {
        "alerts": {"critical": True, "digest": {"channels": ["email"]}}
    }
    warnings = [m for m in check_settings() if m.id == "django_notification_system.W020"]
    assert len(warnings) == 1 and "critical" in warnings[0].msg
    assert digest_configs() == {}


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        (
            "NOTIFICATION_SYSTEM_DIGEST_HOUR",
            24,
            "integer from 0 to 23 (an hour of the day), not 24",
        ),
        (
            "NOTIFICATION_SYSTEM_DIGEST_HOUR",
            "9",
            "integer from 0 to 23 (an hour of the day), not '9'",
        ),
        (
            "NOTIFICATION_SYSTEM_DIGEST_HOUR",
            True,
            "integer from 0 to 23 (an hour of the day), not True",
        ),
        (
            "NOTIFICATION_SYSTEM_DIGEST_WEEKDAY",
            7,
            "integer from 0 to 6 (0 = Monday, 6 = Sunday), not 7",
        ),
    ],
)
def test_digest_hour_and_weekday_are_checked(settings, name, value, problem):
    setattr(settings, name, value)
    found = [m for m in check_settings() if m.id == "django_notification_system.E001"]
    assert [m.msg for m in found] == [f"{name} must be an {problem}"]
    setattr(settings, name, 0)
    assert not [m for m in check_settings() if m.id == "django_notification_system.E001"]

"""``manage.py check`` reports every settings problem in one run, each by its exact key."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_notification_system.checks import check_settings
from django_notification_system.conf import registry
from django_notification_system.conf.setting import INVALID, Problem
from django_notification_system.preferences import categories

CATEGORIES = "NOTIFICATION_SYSTEM_CATEGORIES"


def messages(**overrides) -> list[tuple[str, str]]:
    overrides.setdefault("NOTIFICATION_SYSTEM_PUBLIC_BASE_URL", "https://www.example.com")
    with override_settings(**overrides):
        return [(m.id.rsplit(".", 1)[1], m.msg) for m in check_settings()]


def test_a_mistake_in_each_of_two_categories_gives_two_messages():
    found = messages(
        NOTIFICATION_SYSTEM_CATEGORIES={
            "news": {"lable": "News"},
            "comments": {"defaults": {"emial": False}},
        }
    )
    assert len(found) == 2, found
    (option,) = [m for code, m in found if code == "E007"]
    assert f"{CATEGORIES}[\"news\"] has unknown option 'lable'. Did you mean 'label'?" in option
    (channel,) = [m for code, m in found if code == "E008"]
    assert f"{CATEGORIES}[\"comments\"] names channel 'emial'" in channel
    assert "Did you mean 'email'?" in channel


def test_an_unknown_option_and_an_unknown_channel_in_one_category_are_both_reported():
    found = messages(
        NOTIFICATION_SYSTEM_CATEGORIES={"news": {"requird": [], "defaults": {"smss": True}}}
    )
    assert sorted(code for code, _ in found) == ["E007", "E008"], found
    assert any("'requird'" in m and "Did you mean 'required'?" in m for _, m in found)
    assert any("'smss'" in m for _, m in found)


def test_every_problem_of_one_option_is_reported():
    digest = {"channels": "email", "window": -1, "max_itmes": 3}
    found = [m for code, m in messages(NOTIFICATION_SYSTEM_CATEGORIES={"c": {"digest": digest}})]
    where = f'{CATEGORIES}["c"]["digest"]'
    assert len(found) == 3, found
    assert f"{where} has unknown option 'max_itmes' (did you mean 'max_items'?)" in found[0]
    assert f'{where}["channels"] must be a non-empty list' in found[1]
    assert f'{where}["window"] must be a non-negative integer' in found[2]


def test_problems_of_different_settings_are_all_reported():
    found = messages(
        NOTIFICATION_SYSTEM_BATCH_SIZE=0,
        NOTIFICATION_SYSTEM_DIGEST_HOUR=25,
        NOTIFICATION_SYSTEM_TARGETS={"emial": {}},
        NOTIFICATION_SYSTEM_DELIVERY_RULES="myapp.rules.Cap",
    )
    assert [code for code, _ in found] == ["E003", "E001", "E006", "E001"], found


def test_the_accessor_still_raises_the_first_error_naming_the_key():
    with (
        override_settings(
            NOTIFICATION_SYSTEM_CATEGORIES={"a": {"lable": 1}, "b": {"critical": 1}}
        ),
        pytest.raises(ImproperlyConfigured, match=r'CATEGORIES\["a"\] has unknown option'),
    ):
        categories()


def test_a_setting_the_package_does_not_read_is_a_warning_with_the_closest_name():
    found = messages(NOTIFICATION_SYSTEM_BACH_SIZE=100)
    assert found == [
        (
            "W002",
            "NOTIFICATION_SYSTEM_BACH_SIZE is not a django-notification-system setting and is "
            "ignored; did you mean NOTIFICATION_SYSTEM_BATCH_SIZE?",
        )
    ]
    (far,) = registry.undeclared_problems(["NOTIFICATION_SYSTEM_XYZZY"])
    assert far.warning and "did you mean" not in far.message


def test_extra_validators_run_on_the_usable_value_only():
    seen = []

    def extra(name, value):
        seen.append(value)
        return [Problem(f"{name} is not allowed here", "E006")]

    rules = "NOTIFICATION_SYSTEM_DELIVERY_RULES"
    with override_settings(NOTIFICATION_SYSTEM_DELIVERY_RULES=("a.B",)):
        found = registry.settings_problems({rules: [extra]})
    assert seen == [["a.B"]]
    assert [p.message for p in found] == [f"{rules} is not allowed here"]
    with override_settings(NOTIFICATION_SYSTEM_DELIVERY_RULES=[3]):
        found = registry.settings_problems({rules: [extra]})
    assert seen == [["a.B"]]  # not called on an unusable value
    assert [p.code for p in found] == ["E006"]
    assert registry.REGISTRY[rules].validate(rules, None).value is INVALID

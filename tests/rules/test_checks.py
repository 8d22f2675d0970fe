"""A bad ``NOTIFICATION_SYSTEM_DELIVERY_RULES`` entry is a system-check error naming it."""

from __future__ import annotations

from django.core import checks
from django.test import override_settings

from django_notification_system.rules import DEFAULT_RULES
from django_notification_system.rules.checks import rule_problems


def test_the_default_chain_has_no_problem():
    assert rule_problems(DEFAULT_RULES) == []


def test_each_bad_path_is_named():
    problems = rule_problems(["tests.rules.x.Missing", "tests.rules.x.NotARule", *DEFAULT_RULES])
    assert len(problems) == 2
    assert "'tests.rules.x.Missing' does not import" in problems[0]
    assert "'tests.rules.x.NotARule' is not a subclass" in problems[1]


@override_settings(NOTIFICATION_SYSTEM_DELIVERY_RULES="tests.rules.x.CancelOdd")
def test_a_string_instead_of_a_list_is_reported_once_by_the_registry():
    errors = [e for e in checks.run_checks() if "DELIVERY_RULES" in e.msg]
    assert [e.id for e in errors] == ["django_notification_system.E006"]
    assert "must be a list" in errors[0].msg


@override_settings(NOTIFICATION_SYSTEM_DELIVERY_RULES=[*DEFAULT_RULES, "myapp.rules.Nope"])
def test_manage_py_check_reports_it():
    errors = [e for e in checks.run_checks() if e.id == "django_notification_system.E030"]
    assert len(errors) == 1
    assert "'myapp.rules.Nope'" in errors[0].msg

"""``check --database`` names targets whose module resolves to no handler."""

import pytest
from django.core import checks
from django.test import override_settings

from django_notification_system.checks import check_target_handlers
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

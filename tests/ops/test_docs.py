"""The reference pages cannot drift from the code: every setting of ``conf.DEFAULTS`` is in
docs/settings.rst with its default (and nothing else is), and every option of every
management command of the app is in docs/commands.rst."""

from __future__ import annotations

import ast
import pkgutil
import re

import pytest
from django.core.management import load_command_class

from django_notification_system import conf
from django_notification_system.management import commands as commands_package
from tests.settings import ROOT

DOCS = ROOT / "docs"
DEFAULT_OPTIONS = {
    "--version", "--verbosity", "--settings", "--pythonpath", "--traceback",
    "--no-color", "--force-color", "--skip-checks", "--help",
}  # fmt: skip


def documented_settings() -> dict[str, str]:
    """``{name: default text}`` from the ``NAME`` (default ``X``) terms of settings.rst."""
    text = (DOCS / "settings.rst").read_text()
    return dict(re.findall(r"^``(NOTIFICATION_SYSTEM_\w+)`` \(default ``(.+?)``\)$", text, re.M))


def test_every_setting_is_documented_and_every_documented_setting_exists():
    text = (DOCS / "settings.rst").read_text()
    mentioned = set(re.findall(r"\bNOTIFICATION_SYSTEM_[A-Z_]+\b", text))
    assert set(documented_settings()) == set(conf.DEFAULTS), "settings.rst terms vs conf.DEFAULTS"
    assert mentioned <= set(conf.DEFAULTS), f"unknown settings in settings.rst: {mentioned}"


@pytest.mark.parametrize("name", sorted(conf.DEFAULTS))
def test_documented_default_is_the_real_default(name):
    documented = documented_settings().get(name)
    assert documented is not None, f"{name} has no '(default ``...``)' term in settings.rst"
    assert ast.literal_eval(documented) == conf.DEFAULTS[name]


def app_commands() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(commands_package.__path__)]


@pytest.mark.parametrize("command", app_commands())
def test_every_command_and_option_is_documented(command):
    text = (DOCS / "commands.rst").read_text()
    assert re.search(rf"^{command}\n-+$", text, re.M), f"no section for {command}"
    section = re.split(rf"^{command}\n-+$", text, flags=re.M)[1]
    section = re.split(r"^\S.*\n-+$", section, flags=re.M)[0]
    parser = load_command_class("django_notification_system", command).create_parser(
        "manage.py", command
    )
    options = {
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option not in DEFAULT_OPTIONS
    }
    missing = sorted(o for o in options if f"``{o}" not in section)
    assert not missing, f"{command} options missing from docs/commands.rst: {missing}"


def test_the_upgrade_page_names_the_versions_first_every_migration_and_ends_with_a_check_list():
    page = (ROOT / "docs" / "migrating.rst").read_text()
    opening = page.split("\n\n")[1]
    assert "Python 3.10+" in opening and "Django 4.2 LTS or 5.2 LTS" in opening
    for migration in sorted((ROOT / "django_notification_system" / "migrations").glob("0*.py")):
        if migration.stem[:4] not in ("0001", "0002"):
            assert f"``{migration.stem}``" in page, migration.stem
    # The index has only 1.5.3: an upgrade from it would keep 1.5.3 installed.
    consoles = re.findall(r"^\.\. code-block:: console\n((?:[ \t]*\n|   .*\n)+)", page, re.M)
    assert consoles and not any("pip install -U" in block for block in consoles)
    headings = re.findall(r"^(.+)\n-{3,}$", page, re.M)
    assert headings[0] == "What you need" and headings[-1] == "Check list"


@pytest.mark.parametrize(
    ("source", "variable", "default"),
    [
        ("tests/settings.py", "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        ("tests/settings.py", "DNS_REDIS_URL", "redis://127.0.0.1:6379/0"),
        ("tests/ops/conftest.py", "DNS_CHROMIUM", "/usr/bin/chromium"),
        ("tests/ops/conftest.py", "DNS_CHROMEDRIVER", "/usr/bin/chromedriver"),
    ],
)
def test_the_readme_names_each_test_service_where_the_tests_look_for_it(source, variable, default):
    readme = (ROOT / "README.md").read_text()
    assert f"`{variable}`" in readme and f"`{default}`" in readme
    code = (ROOT / source).read_text()
    assert f'"{variable}"' in code and f'"{default}"' in code

"""The registry is the one list of settings: the docs page and the package's source agree
with it, in both directions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import django_notification_system
from django_notification_system.conf.registry import REGISTRY
from tests.settings import ROOT

PACKAGE = Path(django_notification_system.__file__).parent
SETTINGS_PAGE = ROOT / "docs" / "settings.rst"
NAME = re.compile(r"NOTIFICATION_SYSTEM_[A-Z0-9_]*[A-Z0-9]")


def documented() -> dict[str, str]:
    """``{name: default text}`` of the entries of docs/settings.rst."""
    text = SETTINGS_PAGE.read_text()
    return dict(re.findall(r"^``(NOTIFICATION_SYSTEM_\w+)`` \(default ``(.+?)``\)$", text, re.M))


def test_the_settings_page_has_one_entry_per_declared_setting():
    entries = re.findall(
        r"^``(NOTIFICATION_SYSTEM_\w+)`` \(default", SETTINGS_PAGE.read_text(), re.M
    )
    assert len(entries) == len(set(entries)), "a setting has two entries"
    assert set(entries) - set(REGISTRY) == set(), "documented but not declared"
    assert set(REGISTRY) - set(entries) == set(), "declared but not documented"


@pytest.mark.parametrize("name", list(REGISTRY))
def test_each_declaration_has_a_one_line_doc_and_its_documented_default(name):
    setting = REGISTRY[name]
    assert setting.doc.strip() and "\n" not in setting.doc
    assert ast.literal_eval(documented()[name]) == setting.default


def names_in_source(source: str) -> set[str]:
    """Every ``NOTIFICATION_SYSTEM_*`` name in ``source``'s strings, names and attributes."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.update(NAME.findall(node.value))
        elif isinstance(node, ast.Attribute):
            found.update(NAME.findall(node.attr))
        elif isinstance(node, ast.Name):
            found.update(NAME.findall(node.id))
    return found


@pytest.mark.parametrize(
    "source",
    [
        'x = "NOTIFICATION_SYSTEM_BACH_SIZE"\n',
        "x = settings.NOTIFICATION_SYSTEM_BACH_SIZE\n",
        'x = f"{a} NOTIFICATION_SYSTEM_BACH_SIZE"\n',
        "def f():\n    '''Reads ``NOTIFICATION_SYSTEM_BACH_SIZE``.'''\n",
    ],
)
def test_the_scan_sees_a_name_in_each_form(source):
    assert names_in_source(source) == {"NOTIFICATION_SYSTEM_BACH_SIZE"}


def test_every_setting_named_in_the_package_is_declared():
    undeclared = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in names_in_source(path.read_text())
        if name not in REGISTRY
    }
    assert not undeclared, sorted(undeclared)


@pytest.mark.parametrize("path", sorted((PACKAGE / "conf").glob("*.py")), ids=lambda p: p.name)
def test_conf_imports_nothing_of_the_package_but_exceptions(path):
    """``conf`` is the bottom of the layering: every capability may read it."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level in (0, 2):  # absolute, or ``..x``
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    ours = {name for name in imported if name.startswith("django_notification_system")}
    parents = {name for name in imported if not name.startswith(("django", "__future__"))}
    assert not ours, ours
    assert parents <= {"exceptions"} | STDLIB, parents


STDLIB = {"collections.abc", "dataclasses", "difflib", "re", "types", "typing"}

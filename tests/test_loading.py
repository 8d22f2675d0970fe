"""Finding creator and handler modules by notification_module_name."""

import sys

import pytest
from django.test import override_settings

from django_notification_system.notification_handlers.loading import find_module
from tests.settings import ROOT

DIR = str(ROOT / "tests" / "fixtures" / "dir_handlers")


def test_builtin_handler_is_found_first():
    module = find_module("email", "handlers")
    assert module.__name__ == "django_notification_system.notification_handlers.email"


@override_settings(NOTIFICATION_SYSTEM_HANDLERS=["tests.fixtures.dotted_handlers"])
def test_dotted_package_entry():
    assert find_module("pager", "handlers").IDENTITY == "dotted pager"


@override_settings(NOTIFICATION_SYSTEM_HANDLERS=["tests.fixtures.dotted_handlers.pager"])
def test_dotted_module_entry():
    assert find_module("pager", "handlers").IDENTITY == "dotted pager"


@override_settings(NOTIFICATION_SYSTEM_HANDLERS=[ROOT / "tests" / "fixtures" / "dir_handlers"])
def test_directory_entry_as_in_1_5_3():
    assert find_module("carrier_pigeon", "handlers").IDENTITY == "directory pigeon"


@override_settings(NOTIFICATION_SYSTEM_HANDLERS=["tests.fixtures.dotted_handlers", DIR])
@pytest.mark.parametrize("name", ["nothing_here", "", "../etc/passwd", "a.b"])
def test_unknown_or_unsafe_names_resolve_to_none(name):
    assert find_module(name, "handlers") is None


def test_a_broken_module_is_an_error_not_a_miss(tmp_path):
    (tmp_path / "broken.py").write_text("import module_that_does_not_exist_anywhere\n")
    with (
        override_settings(NOTIFICATION_SYSTEM_HANDLERS=[str(tmp_path)]),
        pytest.raises(ModuleNotFoundError),
    ):
        find_module("broken", "handlers")


def test_a_bare_name_is_never_a_directory_even_if_one_exists(tmp_path, monkeypatch, settings):
    """Issue 13 case 8: ``"probehandlers"`` is a dotted path, not the directory that the
    current directory happens to contain; with a path separator it is that directory."""
    (tmp_path / "probehandlers").mkdir()
    (tmp_path / "probehandlers" / "probe_channel.py").write_text("IDENTITY = 'probe'\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.path", [p for p in sys.path if p not in ("", str(tmp_path))])

    settings.NOTIFICATION_SYSTEM_HANDLERS = ["probehandlers"]
    assert find_module("probe_channel", "handlers") is None

    for entry in ("./probehandlers", "probehandlers/", str(tmp_path / "probehandlers")):
        settings.NOTIFICATION_SYSTEM_HANDLERS = [entry]
        assert find_module("probe_channel", "handlers").IDENTITY == "probe", entry

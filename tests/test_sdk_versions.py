"""``check`` reports an installed provider SDK older than the handlers support (E040).

The installed versions are faked at the ``importlib.metadata`` boundary the check reads:
installing old SDKs would break the other tests' channels.
"""

import importlib.metadata

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_notification_system import checks
from tests.settings import ROOT


def fake_installed(monkeypatch, versions: dict[str, str]) -> None:
    """Only ``versions`` are installed, as far as the check can tell."""

    def version(package: str) -> str:
        if package not in versions:
            raise importlib.metadata.PackageNotFoundError(package)
        return versions[package]

    monkeypatch.setattr(checks.importlib.metadata, "version", version)


def test_the_expo_sdk_that_1_5_3_pinned_is_an_error_naming_package_version_and_extra(
    monkeypatch,
):
    fake_installed(monkeypatch, {"exponent-server-sdk": "0.3.1", "twilio": "9.3.0"})
    (error,) = checks.check_sdk_versions()
    assert error.id == "django_notification_system.E040"
    assert "exponent-server-sdk 0.3.1 is installed" in error.msg
    assert "exponent-server-sdk>=2.1" in error.msg
    assert 'pip install "django-notification-system[expo]"' in error.hint


@pytest.mark.parametrize(
    "versions",
    [
        {},
        {"exponent-server-sdk": "2.1.0", "twilio": "9.0.0", "pywebpush": "2.0.1"},
        {"exponent-server-sdk": "2.10", "django-anymail": "13.0.post1"},
    ],
    ids=["none installed", "the oldest supported", "newer"],
)
def test_supported_or_absent_sdks_are_no_problem(monkeypatch, versions):
    fake_installed(monkeypatch, versions)
    assert checks.check_sdk_versions() == []


def test_manage_py_check_fails_on_an_unsupported_sdk(monkeypatch):
    fake_installed(monkeypatch, {"twilio": "6.63.0"})
    with pytest.raises(SystemCheckError, match=r"twilio 6\.63\.0 is installed"):
        call_command("check")


def test_the_installed_sdks_of_this_environment_pass():
    assert checks.check_sdk_versions() == []


def test_the_supported_versions_are_pyproject_extras():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    for package, (oldest, extra) in checks.SUPPORTED_SDKS.items():
        assert f"{package}>={oldest}" in extras[extra], extra

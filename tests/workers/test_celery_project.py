"""docs/workers.rst's Celery set-up, written as the files of a new project, works as written;
without the project package's import of its app, ``manage.py check`` warns (W005).

The project runs in a child process (a fresh Celery state), from the page's own blocks.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.test import override_settings

from tests.settings import ROOT
from tests.workers.conftest import unavailable

BLOCK = re.compile(r"^\.\. code-block:: python\n((?:[ \t]*\n|   .*\n)+)", re.M)

#: What ``startproject`` would have put in settings.py before the page's lines.
BASE_SETTINGS = """
SECRET_KEY = "test"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes",
                  "django_notification_system"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
"""

CHECK = """
import django
django.setup()
from django.core import checks
print("checks:", [m.id for m in checks.run_checks() if m.id.startswith("django_notification")])
"""


@pytest.fixture(autouse=True)
def needs_celery():
    if importlib.util.find_spec("celery") is None:
        unavailable("celery is not installed (pip install -e '.[all,dev]')")


def project_files(tmp_path: Path) -> Path:
    """``myproject/`` made of docs/workers.rst's blocks, each written to the file it names."""
    page = (ROOT / "docs" / "workers.rst").read_text()
    package = tmp_path / "myproject"
    package.mkdir()
    (package / "settings.py").write_text(BASE_SETTINGS)
    for match in BLOCK.finditer(page):
        code = "\n".join(row[3:] for row in match.group(1).splitlines()).strip("\n") + "\n"
        named = re.match(r"# (myproject/[\w.]+\.py)", code)
        if named:
            path = tmp_path / named.group(1)
            path.write_text(path.read_text() + code if path.exists() else code)
    return package


def run_in(project: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    child_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    child_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.parent,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_page_names_three_files():
    page = (ROOT / "docs" / "workers.rst").read_text()
    for name in ("myproject/celery.py", "myproject/__init__.py", "myproject/settings.py"):
        assert f"# {name}" in page


def test_a_worker_started_with_celery_a_finds_the_settings_and_the_broker(tmp_path):
    project = project_files(tmp_path)
    # What `celery -A myproject worker` does first: import the package, use its app.
    code = (
        "import myproject; print(myproject.celery_app.main, myproject.celery_app.conf.broker_url)"
    )
    result = run_in(project, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["myproject", "redis://127.0.0.1:6379/0"]


def test_a_web_process_enqueues_on_the_project_app_and_check_is_silent(tmp_path):
    project = project_files(tmp_path)
    code = CHECK + (
        "from django_notification_system.workers.celery import deliver_due\n"
        "print('app:', deliver_due.app.main, deliver_due.app.conf.broker_url)\n"
    )
    result = run_in(project, code, DJANGO_SETTINGS_MODULE="myproject.settings")
    assert result.returncode == 0, result.stderr
    assert "checks: []" in result.stdout
    assert "app: myproject redis://127.0.0.1:6379/0" in result.stdout


def test_without_the_project_app_check_warns_by_name(tmp_path):
    project = project_files(tmp_path)
    (project / "__init__.py").write_text("")  # the import of the app forgotten
    result = run_in(project, CHECK, DJANGO_SETTINGS_MODULE="myproject.settings")
    assert result.returncode == 0, result.stderr
    assert "checks: ['django_notification_system.W005']" in result.stdout


def test_the_warning_names_the_setting_and_the_fix(monkeypatch):
    from celery import _state

    # As if no app had been created: current_app is then Celery's fallback, made on use.
    monkeypatch.setattr(_state._tls, "current_app", None)
    monkeypatch.setattr(_state, "default_app", None)
    with override_settings(NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE="celery"):
        (warning,) = [m for m in checks.run_checks() if m.id.endswith("W005")]
    assert warning.level == checks.WARNING
    assert warning.msg.startswith("NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE is 'celery' but")
    assert "from .celery import app as celery_app" in warning.hint

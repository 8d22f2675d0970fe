"""Installing the app is one INSTALLED_APPS line, and the core needs no optional SDK."""

import subprocess
import sys

from tests.settings import ROOT

BARE_PROJECT = """
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                    "django_notification_system"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    USE_TZ=True,
)
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("check")
from django_notification_system.models import NotificationTarget
print(sorted(NotificationTarget.objects.values_list("notification_module_name", flat=True)))
"""

BLOCK_EXTRAS = """
import sys
class BlockExtras:
    BLOCKED = ("twilio", "exponent_server_sdk", "anymail", "django_crontab", "celery",
               "kombu", "redis", "django_tasks", "django_tasks_db", "rest_framework")
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.BLOCKED or name == "django.tasks":
            raise ImportError(f"{name} blocked for this test")
sys.meta_path.insert(0, BlockExtras())
"""


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_bare_project_with_one_installed_apps_line_sets_up():
    result = run_python(BARE_PROJECT)
    assert result.returncode == 0, result.stderr
    assert "['email', 'expo', 'in_app', 'twilio', 'webpush']" in result.stdout


def test_core_imports_and_migrates_without_any_extra():
    code = (
        BLOCK_EXTRAS
        + BARE_PROJECT
        + """
import importlib, pkgutil, django_notification_system as pkg
for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    if ".migrations." in info.name or info.name.endswith(".admin"):
        continue  # admin.py is only imported by projects that install django.contrib.admin
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        if "blocked for this test" in str(exc):
            continue  # a module whose whole purpose is an optional SDK
        raise
print("core ok")
"""
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert "core ok" in result.stdout


def test_migrations_match_the_models():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemigrations",
            "--check",
            "--dry-run",
            "--settings=tests.settings",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr

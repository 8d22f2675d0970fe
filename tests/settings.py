"""Test settings. ``DNS_TEST_DB`` picks the database: ``sqlite`` (default) or ``postgresql``.

PostgreSQL comes from ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/test``).
Test database names carry a hash of the checkout path so that two checkouts can test at
once. Child processes started by tests set ``DNS_DB_NAME`` to reach the test database.
"""

import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
DB_VENDOR = os.environ.get("DNS_TEST_DB", "sqlite")
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"
_TAG = hashlib.sha1(str(ROOT).encode()).hexdigest()[:8]


def postgres_settings(url: str) -> dict:
    parsed = urlparse(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "test",
        "USER": unquote(parsed.username or "postgres"),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "127.0.0.1",
        "PORT": str(parsed.port or 5432),
        "TEST": {"NAME": f"test_dns_{_TAG}"},
    }


if DB_VENDOR == "postgresql":
    DATABASES = {
        "default": postgres_settings(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    }
elif DB_VENDOR == "sqlite":
    _sqlite_file = str(Path(tempfile.gettempdir()) / f"dns-test-{_TAG}.sqlite3")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_file,
            "OPTIONS": {"timeout": 30},
            "TEST": {"NAME": _sqlite_file},
        }
    }
else:
    raise RuntimeError(f"DNS_TEST_DB must be 'sqlite' or 'postgresql', not {DB_VENDOR!r}")

if os.environ.get("DNS_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["DNS_DB_NAME"]

SECRET_KEY = "tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_notification_system",
    "demo.example",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.urls"
# tests.urls serves anymail's tracking webhooks: without a secret anyone could post a forged
# bounce (check E041). Tracking tests that post to them set their own.
ANYMAIL = {"WEBHOOK_SECRET": "test-user:test-password"}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [ROOT / "tests" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get(
    "DNS_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("DNS_EMAIL_FILE_PATH", "")
DEFAULT_FROM_EMAIL = "tests@example.com"
NOTIFICATION_SYSTEM_TARGETS = {"email": {"from_email": "notifications@example.com"}}

# Workers (tests/workers): the task framework's database backend when the [tasks] extra is
# installed, and Celery over the local Redis (DNS_REDIS_URL) on a queue of this checkout.
if importlib.util.find_spec("django_tasks_db"):
    INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
REDIS_URL = os.environ.get("DNS_REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("DNS_CELERY_QUEUE", f"dns-tests-{_TAG}")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
NOTIFICATION_SYSTEM_BATCH_SIZE = int(os.environ.get("DNS_BATCH_SIZE", "500"))

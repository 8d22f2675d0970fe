"""Settings of the demo project: SQLite, console email, the notification app and an example app."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "demo-only-not-a-secret"
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

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
    "django_crontab",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "demo.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "demo" / "templates"],
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

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "demo" / "demo.sqlite3",
    }
}

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "demo@example.com"


def demo_vapid_private_key() -> str | None:
    """A throwaway VAPID key for the demo only, made on first run into a git-ignored file.

    A real project generates its key once (``vapid --gen``) and reads it from its secrets;
    never reuse this one. ``None`` (Web Push off) when pywebpush is not installed.
    """
    path = BASE_DIR / "demo" / ".vapid-demo-key.pem"
    if not path.exists():
        try:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec
        except ImportError:
            return None
        key = ec.generate_private_key(ec.SECP256R1())
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return path.read_text()


NOTIFICATION_SYSTEM_TARGETS = {
    "email": {"from_email": "notifications@example.com"},
}
if _demo_vapid_key := demo_vapid_private_key():
    NOTIFICATION_SYSTEM_TARGETS["webpush"] = {
        "vapid_private_key": _demo_vapid_key,
        "vapid_subject": "mailto:demo@example.com",
    }
# Categories users choose about at /notifications/preferences/ (log in at /accounts/login/);
# categorised emails carry one-click unsubscribe links built from the public base URL.
NOTIFICATION_SYSTEM_CATEGORIES = {
    "tips": {"label": "Tips and welcome messages", "defaults": {"twilio": False}},
    "security": {"label": "Security alerts", "required": ["email"], "critical": True},
    "news": {"label": "Product news", "defaults": {"email": False}},
}
NOTIFICATION_SYSTEM_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
LOGIN_URL = "login"  # demo/example/urls.py: any demo user, staff or not
# The superuser `manage.py seed_demo` creates (or resets) for /admin/. Only these settings name
# one, so the demo's known password exists only in the demo's own database.
DEMO_ADMIN = {"username": "admin", "password": "demo"}

# django-crontab (extra "crontab"): `python manage.py crontab add` installs these lines in
# the user's crontab. The lock stops a slow run overlapping the next one on this host; several
# hosts may run process_notifications at once safely (see docs/deployment.rst).
CRONJOBS = [
    ("* * * * *", "django.core.management.call_command", ["process_notifications"]),
    ("*/15 * * * *", "django.core.management.call_command", ["check_push_receipts"]),
]
CRONTAB_LOCK_JOBS = True

# demo.urls serves anymail's tracking webhooks, which need a secret (check E041): a demo-only
# one here; a real site keeps its own out of the repository.
ANYMAIL = {"WEBHOOK_SECRET": "demo-user:demo-only-not-a-secret"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_notification_system": {"handlers": ["console"], "level": "WARNING"}},
}

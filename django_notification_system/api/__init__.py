"""The optional JSON API (Django REST framework): the inbox and notification preferences.

Install with ``pip install "django-notification-system[api]"`` and include
``django_notification_system.api.urls``. Every endpoint serves the requesting user only,
with whatever DRF authentication the project configures (session by default, with CSRF).
"""

try:
    import rest_framework  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "The notification JSON API needs Django REST framework: pip install "
        f'"django-notification-system[api]" ({exc})'
    ) from exc

"""App configuration: the import name is the package name, so a bare
``INSTALLED_APPS += ["django_notification_system"]`` sets up on every supported Django."""

from django.apps import AppConfig


class NotificationSystemConfig(AppConfig):
    name = "django_notification_system"
    label = "django_notification_system"
    verbose_name = "Notification System"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks; imported for its side effect only.
        from . import checks  # noqa: F401
        from .dispatch.single import record_outcome
        from .notification_handlers import base
        from .preferences.unsubscribe import unsubscribe_headers
        from .tracking import anymail_events

        anymail_events.connect()
        # Handlers depend downward only: what they need from above is registered here.
        base.register_header_hook(unsubscribe_headers)
        base.register_outcome_recorder(record_outcome)

"""Former home of the provider webhooks, kept so documented URL includes keep working.

Everything moved to :mod:`django_notification_system.tracking`; only
``django_notification_system.webhooks.anymail_urls`` remains, as a re-export.
"""

"""django-notification-system: database-backed notifications delivered in batches."""

__version__ = "2.0.0.dev0"

"""A tiny model for the documented signal pattern: saving a Reminder schedules an email."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Reminder(models.Model):
    """Something a user asked to be reminded of at ``remind_at``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    text = models.CharField(max_length=100)
    remind_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.text

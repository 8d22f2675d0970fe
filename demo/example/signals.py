"""The signal pattern: a model's ``post_save`` schedules a notification through a creator."""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.text import Truncator

from django_notification_system.notification_creators import get_creator

from .models import Reminder

logger = logging.getLogger(__name__)


@receiver(post_save, sender=Reminder, dispatch_uid="example.schedule_reminder")
def schedule_reminder(sender, instance: Reminder, created: bool, **kwargs) -> None:
    """Schedule the reminder email once the Reminder is committed (never for a rolled-back one)."""
    if not created:
        return
    transaction.on_commit(lambda: _schedule(instance))


def _schedule(reminder: Reminder) -> None:
    create_notification = get_creator("email")
    notifications = create_notification(
        reminder.user,
        title=Truncator(f"Reminder: {reminder.text}").chars(100),
        body=f"<p>You asked to be reminded: {reminder.text}</p>",
        scheduled_delivery=reminder.remind_at,
        quiet=True,  # an opted-out user or one without an email record simply gets nothing
    )
    logger.info("reminder %s scheduled %d notifications", reminder.pk, len(notifications))

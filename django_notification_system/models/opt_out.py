"""NotificationOptOut: one row per user who has (or had) opted out of notifications."""

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from .abstract import CreatedModifiedAbstractModel
from .notification import Notification


class NotificationOptOut(CreatedModifiedAbstractModel):
    """An opt-out for one user. Saving an active opt-out settles pending notifications.

    As documented for 1.5.3: when an active opt-out is saved, the user's SCHEDULED
    and RETRY notifications become OPTED OUT. This happens in one UPDATE, in the
    same transaction as the save.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_opt_out",
    )
    active = models.BooleanField(default=False)

    class Meta:
        db_table = "notification_system_opt_out"
        verbose_name = "notification opt-out"
        verbose_name_plural = "notification opt-outs"

    def __str__(self) -> str:
        return f"opt-out of user {self.user_id} ({'active' if self.active else 'inactive'})"

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if self.active:
                opt_out_pending_notifications([self.user_id])


def opt_out_pending_notifications(user_ids: list) -> int:
    """Mark the SCHEDULED and RETRY notifications of ``user_ids`` OPTED OUT; one query."""
    return Notification.objects.filter(
        target_user_record__user_id__in=user_ids,
        status__in=[Notification.SCHEDULED, Notification.RETRY],
    ).update(
        status=Notification.OPTED_OUT,
        last_error="The user opted out of notifications.",
        modified_date=timezone.now(),
    )

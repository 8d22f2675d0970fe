"""NotificationPreference: where a user differs from a category's default on a channel."""

from django.conf import settings
from django.db import models

from .abstract import CreatedModifiedAbstractModel

#: A preference row's wildcard: every category, or every channel.
ANY = "*"


class NotificationPreference(CreatedModifiedAbstractModel):
    """One user's choice for a (category, channel) pair; either side may be ``"*"``.

    Stored sparsely: a row exists only where the user's choice differs from what the
    category's settings give. Read and written through ``django_notification_system.preferences``
    (``set_preference`` keeps rows sparse and wildcards meaningful), not directly.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    category = models.CharField(max_length=64, help_text='A category key, or "*" for all.')
    channel = models.CharField(
        max_length=128, help_text='A target\'s notification_module_name, or "*" for all.'
    )
    enabled = models.BooleanField()

    class Meta:
        db_table = "notification_system_preference"
        verbose_name = "notification preference"
        verbose_name_plural = "notification preferences"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category", "channel"], name="dns_preference_unique"
            ),
        ]

    def __str__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"user {self.user_id}: {self.category}/{self.channel} {state}"

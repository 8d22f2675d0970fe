"""NotificationPreference: where a user differs from a category's default on a channel."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .abstract import CreatedModifiedAbstractModel, check_constraint

#: A preference row's wildcard: every category, or every channel.
ANY = "*"

#: How often a user gets a (category, channel)'s notifications: at once, or in a digest.
IMMEDIATE, HOURLY, DAILY, WEEKLY = "immediate", "hourly", "daily", "weekly"
FREQUENCIES = (IMMEDIATE, HOURLY, DAILY, WEEKLY)
FREQUENCY_CHOICES = tuple((value, value.capitalize()) for value in FREQUENCIES)


class NotificationPreference(CreatedModifiedAbstractModel):
    """One user's choice for a (category, channel) pair; either side may be ``"*"``.

    A row carries either choice or both: ``enabled`` (on or off) and ``frequency``
    (``immediate``, ``hourly``, ``daily`` or ``weekly``); an empty one (``NULL``) leaves
    that choice to the less specific rows and the category's default.

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
    enabled = models.BooleanField(null=True, blank=True, help_text="Empty: not decided here.")
    frequency = models.CharField(
        max_length=16,
        choices=FREQUENCY_CHOICES,
        null=True,
        blank=True,
        help_text="Empty: not decided here. Other than immediate: held for a digest.",
    )

    class Meta:
        db_table = "notification_system_preference"
        verbose_name = "notification preference"
        verbose_name_plural = "notification preferences"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category", "channel"], name="dns_preference_unique"
            ),
            check_constraint(
                Q(enabled__isnull=False) | Q(frequency__isnull=False),
                name="dns_preference_not_empty",
            ),
            check_constraint(
                Q(frequency__isnull=True) | Q(frequency__in=FREQUENCIES),
                name="dns_preference_frequency_valid",
            ),
        ]

    def __str__(self) -> str:
        states = {True: "on", False: "off", None: ""}
        choices = " ".join(filter(None, [states[self.enabled], self.frequency or ""]))
        return f"user {self.user_id}: {self.category}/{self.channel} {choices}"

"""DeliveryAttempt: an append-only log of every delivery attempt and its outcome."""

from django.db import models
from django.utils import timezone

from .abstract import CreatedModifiedAbstractModel
from .notification import Notification


class AttemptOutcome(models.TextChoices):
    """The closed vocabulary of handler outcomes (see ``notification_handlers.base``)."""

    DELIVERED = "delivered", "Delivered"
    RETRY = "retry", "Retry"
    FAILED = "failed", "Failed"
    INACTIVE_ADDRESS = "inactive_address", "Inactive address"
    OPTED_OUT = "opted_out", "Opted out"


class DeliveryAttempt(CreatedModifiedAbstractModel):
    """One attempt to deliver one notification, written in bulk by the dispatcher."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attempts"
    )
    attempted_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=32, choices=AttemptOutcome.choices)
    error = models.TextField(blank=True, default="")
    provider_message_id = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        db_table = "notification_system_delivery_attempt"
        verbose_name = "delivery attempt"
        verbose_name_plural = "delivery attempts"
        ordering = ["attempted_at"]
        indexes = [
            models.Index(fields=["notification", "attempted_at"], name="dns_attempt_notif_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"

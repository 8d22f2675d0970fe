"""TargetUserRecord: a user's address on one target (an email, a phone number, a push token)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .abstract import CreatedModifiedAbstractModel
from .addresses import address_problem
from .target import NotificationTarget


class TargetUserRecord(CreatedModifiedAbstractModel):
    """Ties a user to their identifier on a :class:`NotificationTarget`.

    ``active=False`` marks a dead address (bounced email, unregistered device):
    the dispatcher settles its notifications as INACTIVE DEVICE instead of sending.

    An address is checked against its channel's format where the channel has one (Expo
    push tokens) by ``full_clean()``: the admin, model forms and the JSON API raise
    ``ValidationError`` naming ``target_user_id``. ``save()`` accepts any address, as 1.5.3
    did (its projects and their stored rows keep working); at dispatch the
    ``UnusableAddress`` delivery rule settles an unusable one INACTIVE DEVICE instead of
    sending.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_target_user_records",
    )
    target = models.ForeignKey(
        NotificationTarget, on_delete=models.PROTECT, related_name="target_user_records"
    )
    target_user_id = models.CharField(
        max_length=2048,  # a Web Push subscription (JSON) is ~400-600 characters
        help_text="The user's identifier on the target (address, number, token, subscription).",
    )
    description = models.CharField(max_length=200, blank=True, default="")
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "notification_system_target_user_record"
        verbose_name = "target user record"
        verbose_name_plural = "target user records"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "target", "target_user_id"],
                name="user target ids cannot be repeated",
            )
        ]
        indexes = [
            models.Index(fields=["target", "active"], name="dns_record_target_active_idx"),
        ]

    def address_problem(self) -> str | None:
        """Why ``target_user_id`` cannot be used on this record's target; ``None`` if it can."""
        if self.target_id is None:
            return None
        return address_problem(self.target.notification_module_name, self.target_user_id)

    def clean(self) -> None:
        """Refuse an address its channel cannot use, on a new or still active record."""
        super().clean()
        if not (self.active or self._state.adding):
            return  # deactivating an old record with a malformed address must stay possible
        problem = self.address_problem()
        if problem:
            raise ValidationError({"target_user_id": problem})

    def __str__(self) -> str:
        return f"{self.target_id and self.target.name}: {self.description or self.pk}"

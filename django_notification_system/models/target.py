"""NotificationTarget: a channel notifications can be delivered over."""

from django.db import models

from .abstract import CreatedModifiedAbstractModel


class NotificationTarget(CreatedModifiedAbstractModel):
    """A channel such as Email, Twilio SMS or Expo push.

    ``notification_module_name`` names the creator and handler modules for the
    channel: a built-in (``email``, ``twilio``, ``expo``) or a module found through
    ``NOTIFICATION_SYSTEM_CREATORS`` / ``NOTIFICATION_SYSTEM_HANDLERS``.
    """

    name = models.CharField(max_length=64, unique=True, help_text="Human friendly name.")
    notification_module_name = models.CharField(
        max_length=128,
        help_text="Name of the creator/handler modules that serve this target.",
    )

    class Meta:
        db_table = "notification_system_target"
        verbose_name = "notification target"
        verbose_name_plural = "notification targets"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

"""DigestWindow: the claimable slot of one (target user record, category) digest."""

from __future__ import annotations

from django.db import models

from .abstract import CreatedModifiedAbstractModel
from .target_user_record import TargetUserRecord


class DigestWindow(CreatedModifiedAbstractModel):
    """Where the held notifications of one address and category wait for their digest.

    One row per (target user record, category), created the first time a notification of
    that pair is held and reused afterwards. Held notifications point to it; the window they
    form opens with the oldest of them. A flush takes the row under a claim token and a lease
    (as the dispatcher takes notifications), so that one worker at a time turns its items
    into one digest, and a crashed worker's claim runs out. ``frequency`` records the
    user's digest frequency (hourly, daily, weekly) the last item was held under.
    """

    target_user_record = models.ForeignKey(
        TargetUserRecord, on_delete=models.CASCADE, related_name="digest_windows"
    )
    category = models.CharField(max_length=64, help_text="Key of NOTIFICATION_SYSTEM_CATEGORIES.")
    claim_token = models.UUIDField(
        null=True, blank=True, editable=False, help_text="Identifies the flush holding the window."
    )
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A claimed window may be taken again after this time."
    )
    frequency = models.CharField(
        max_length=16,
        null=True,
        blank=True,
        help_text="The user's digest frequency its last item was held under; empty when the "
        "category's digest or a throttle held it.",
    )
    last_flushed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last digest of this window was made."
    )

    class Meta:
        db_table = "notification_system_digest_window"
        verbose_name = "digest window"
        verbose_name_plural = "digest windows"
        constraints = [
            models.UniqueConstraint(
                fields=["target_user_record", "category"], name="dns_digest_window_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"digest window {self.category} of record {self.target_user_record_id}"

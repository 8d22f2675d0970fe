"""Notification: one message to one TargetUserRecord, with its delivery state."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .abstract import CreatedModifiedAbstractModel, check_constraint
from .digest_window import DigestWindow
from .extra import check_headers, extra_fingerprint, first_control_character, validate_extra
from .target_user_record import TargetUserRecord

ALL_STATUSES = [
    "SCHEDULED",
    "SENDING",
    "DELIVERED",
    "DELIVERY FAILURE",
    "RETRY",
    "INACTIVE DEVICE",
    "OPTED OUT",
    "CANCELLED",
    "HELD",
]
#: Statuses that may have no attempted delivery date (documented rule 2).
UNATTEMPTED_STATUSES = ["SCHEDULED", "OPTED OUT", "CANCELLED", "HELD"]
#: Longest idempotency or cancel key.
KEY_MAX_LENGTH = 255


def check_title(title: object) -> None:
    """Raise ``ValueError`` for a title with a line break: it could never be an email subject."""
    if isinstance(title, str) and ("\r" in title or "\n" in title):
        raise ValueError("A notification title cannot contain a line break (CR or LF).")


def check_title_characters(title: object) -> None:
    """Raise ``ValueError`` for a title with any control character (a tab, ``\\x0b``,
    ``\\x1c``...): email splits a subject there, so such a row could never be sent.

    Checked at creation and in ``full_clean``, not in ``save()``, where 1.5.3 accepted them.
    """
    where = first_control_character(title) if isinstance(title, str) else None
    if where is not None:
        raise ValueError(f"A notification title cannot contain a control character ({where}).")


def _check_title(title: object) -> None:
    check_title(title)
    check_title_characters(title)


def _check_extra(extra: object) -> None:
    if extra is not None:
        validate_extra(extra)
        check_headers(extra)


class NotificationQuerySet(models.QuerySet):
    """Keeps ``extra_hash`` in step with ``extra`` in the bulk paths that skip ``save()``."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.extra_hash = extra_fingerprint(obj.extra)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        fields = list(fields)
        if "extra" in fields:
            objs = list(objs)
            for obj in objs:
                obj.extra_hash = extra_fingerprint(obj.extra)
            fields.append("extra_hash")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        extra = kwargs.get("extra")
        if "extra" in kwargs and "extra_hash" not in kwargs:
            if hasattr(extra, "resolve_expression"):
                raise ValueError(
                    "update extra with a value, not an expression: extra_hash follows it"
                )
            kwargs["extra_hash"] = extra_fingerprint(extra)
        return super().update(**kwargs)

    update.alters_data = True


class Notification(CreatedModifiedAbstractModel):
    """A notification scheduled for delivery to one target user record.

    Statuses are the documented 1.5.3 ones plus ``SENDING``, the in-flight state a
    dispatcher holds under a lease while it talks to the provider, and ``CANCELLED``
    (withdrawn by ``cancel_notifications`` or the admin before it was sent), and ``HELD``
    (waiting in a digest window: sent as part of one digest, see ``digests``).

    Save-time rules (documented for 1.5.3, enforced on every ``save()``):

    1. a SCHEDULED notification cannot have an attempted delivery date;
    2. any status other than SCHEDULED, OPTED OUT, CANCELLED or HELD needs an attempted
       delivery date (a cancelled row keeps the one it had, possibly none);
    3. a notification of a user with an active opt-out cannot be saved (except to
       mark it OPTED OUT).

    Rules 1 and 2 are also database check constraints, so bulk updates cannot break them.

    A new notification's ``extra`` must be at most 32 levels deep and 8 KB as JSON, and its
    title must not contain a line break (``ValueError`` otherwise). The de-duplication rule
    (``dns_notification_unique_pending``) compares ``extra`` through ``extra_hash``, kept in
    step by ``save()``, ``bulk_create()``, ``bulk_update()`` and ``update()``.
    """

    SCHEDULED = "SCHEDULED"
    SENDING = "SENDING"
    DELIVERED = "DELIVERED"
    DELIVERY_FAILURE = "DELIVERY FAILURE"
    RETRY = "RETRY"
    INACTIVE_DEVICE = "INACTIVE DEVICE"
    OPTED_OUT = "OPTED OUT"
    CANCELLED = "CANCELLED"
    HELD = "HELD"

    STATUS_CHOICES = (
        (CANCELLED, "Cancelled"),
        (DELIVERED, "Delivered"),
        (DELIVERY_FAILURE, "Delivery Failure"),
        (HELD, "Held for a digest"),
        (INACTIVE_DEVICE, "Inactive Device"),
        (OPTED_OUT, "Opted Out"),
        (RETRY, "Retry"),
        (SCHEDULED, "Scheduled"),
        (SENDING, "Sending"),
    )
    #: Statuses the dispatcher may still act on.
    PENDING_STATUSES = (SCHEDULED, RETRY, SENDING)
    #: Statuses nothing will change any more (retention may delete them).
    FINAL_STATUSES = (DELIVERED, DELIVERY_FAILURE, INACTIVE_DEVICE, OPTED_OUT, CANCELLED)
    #: Statuses an in-app notification shows in the inbox with (once it is due): it is
    #: visible before the dispatcher marks it DELIVERED; opted-out and cancelled ones
    #: disappear.
    INBOX_STATUSES = (SCHEDULED, SENDING, RETRY, DELIVERED)

    target_user_record = models.ForeignKey(
        TargetUserRecord, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=100)
    body = models.TextField(blank=True, default="")
    extra = models.JSONField(blank=True, null=True, default=dict)
    extra_hash = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        editable=False,
        help_text="SHA-256 of extra's canonical JSON: the de-duplication rule compares this.",
    )
    category = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Key of NOTIFICATION_SYSTEM_CATEGORIES; blank for none.",
    )
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=SCHEDULED)
    scheduled_delivery = models.DateTimeField(default=timezone.now)
    attempted_delivery = models.DateTimeField(null=True, blank=True)
    retry_time_interval = models.PositiveIntegerField(
        default=0, help_text="Minutes to wait before retrying after a failed attempt."
    )
    retry_attempts = models.PositiveIntegerField(
        default=0, help_text="Failed delivery attempts so far."
    )
    max_retries = models.PositiveIntegerField(
        default=3, help_text="Maximum number of delivery attempts."
    )
    idempotency_key = models.CharField(
        max_length=KEY_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Creating again with this key for the same target user record creates "
        "nothing (unique per record while the row exists).",
    )
    cancel_key = models.CharField(
        max_length=KEY_MAX_LENGTH,
        blank=True,
        default="",
        help_text="cancel_notifications(cancel_key) withdraws the pending rows with this key.",
    )

    # Digests: a held item's window and the digest that carried it; a digest's own flag.
    digest_window = models.ForeignKey(
        DigestWindow,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        help_text="The digest window a HELD notification waits in.",
    )
    digest = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digest_items",
        help_text="The digest notification that carried this one.",
    )
    is_digest = models.BooleanField(
        default=False, help_text="This notification is a digest of held notifications."
    )

    # Dispatcher bookkeeping.
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A SENDING row is reclaimable after this time."
    )
    claim_token = models.UUIDField(
        null=True, blank=True, editable=False, help_text="Identifies the run holding the lease."
    )
    last_error = models.TextField(blank=True, default="")
    provider_message_id = models.CharField(max_length=255, blank=True, default="")

    # The provider's later report (receipts, status callbacks, ESP webhooks).
    provider_status = models.CharField(max_length=32, blank=True, default="")
    provider_status_at = models.DateTimeField(null=True, blank=True)

    # In-app inbox: where the item links to, and the reader's state (see inbox/).
    url = models.CharField(
        max_length=500, blank=True, default="", help_text="Where the inbox item links to."
    )
    read_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    # In-app grouping (see inbox/groups.py): the newest unread notification of a group is
    # the inbox item; older unread ones of the group are superseded (folded into it).
    group_key = models.CharField(
        max_length=KEY_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Unread in-app notifications with the same key show as one inbox item.",
    )
    group_count = models.PositiveIntegerField(
        default=1, help_text="How many notifications this inbox item stands for."
    )
    actors = models.JSONField(
        default=list,
        blank=True,
        help_text="Who caused it (display names), newest first; a group item lists its "
        "group's latest distinct actors.",
    )
    superseded_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a newer notification of its group replaced it in the inbox.",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "notification_system_notification"
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        constraints = [
            models.UniqueConstraint(
                fields=["target_user_record", "scheduled_delivery", "title", "extra_hash"],
                name="dns_notification_unique_pending",
            ),
            models.UniqueConstraint(
                fields=["target_user_record", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="dns_notification_unique_key",
            ),
            check_constraint(
                Q(status__in=ALL_STATUSES),
                name="dns_notification_status_valid",
            ),
            check_constraint(
                ~Q(status="SCHEDULED") | Q(attempted_delivery__isnull=True),
                name="dns_rule1_scheduled_not_attempted",
            ),
            check_constraint(
                Q(status__in=UNATTEMPTED_STATUSES) | Q(attempted_delivery__isnull=False),
                name="dns_rule2_attempted_date_required",
            ),
        ]
        indexes = [
            # "Due rows": pending statuses ordered by scheduled_delivery, as an index scan.
            models.Index(
                fields=["scheduled_delivery"],
                condition=Q(status__in=["SCHEDULED", "RETRY", "SENDING"]),
                name="dns_notification_due_idx",
            ),
            models.Index(fields=["status", "modified_date"], name="dns_notification_status_idx"),
            # Held items by window, oldest first: what a flush reads and the due test scans.
            models.Index(
                fields=["digest_window", "scheduled_delivery"],
                condition=Q(status="HELD"),
                name="dns_notification_held_idx",
            ),
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="dns_notification_provider_idx",
            ),
            models.Index(
                fields=["cancel_key"],
                condition=~Q(cancel_key=""),
                name="dns_notification_cancel_idx",
            ),
            # Inbox badges: only unread (unseen) inbox items are indexed, so counting a
            # user's unread items reads those rows alone, however long the user's history
            # is; notifications folded into a group's item are left out, as in the counts.
            models.Index(
                fields=["target_user_record", "scheduled_delivery", "status"],
                condition=Q(
                    read_at__isnull=True, archived_at__isnull=True, superseded_at__isnull=True
                ),
                name="dns_inbox_unread_idx",
            ),
            models.Index(
                fields=["target_user_record", "scheduled_delivery", "status"],
                condition=Q(
                    seen_at__isnull=True, archived_at__isnull=True, superseded_at__isnull=True
                ),
                name="dns_inbox_unseen_idx",
            ),
            # The unread notifications folded into a group's item, which marking the item
            # read marks read too.
            models.Index(
                fields=["target_user_record", "group_key"],
                condition=Q(superseded_at__isnull=False, read_at__isnull=True),
                name="dns_inbox_folded_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} - {self.status} - {self.scheduled_delivery:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        """The creation checks as form errors (the admin, model forms) instead of a
        ``ValueError`` from ``save()``."""
        super().clean()
        errors = {}
        for name, check in (("title", _check_title), ("extra", _check_extra)):
            try:
                check(getattr(self, name))
            except ValueError as exc:
                errors[name] = str(exc)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            check_title(self.title)
            if self.extra is not None:
                validate_extra(self.extra)
        self.validate_rules()
        self.extra_hash = extra_fingerprint(self.extra)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "extra" in update_fields:
            kwargs["update_fields"] = {*update_fields, "extra_hash"}
        super().save(*args, **kwargs)

    def validate_rules(self) -> None:
        """Raise ``ValidationError`` naming the documented rule this instance breaks."""
        if self.status == self.SCHEDULED and self.attempted_delivery is not None:
            raise ValidationError(
                "Rule 1: a notification with status SCHEDULED cannot have an attempted "
                "delivery date.",
                code="scheduled_with_attempted_delivery",
            )
        if self.status not in UNATTEMPTED_STATUSES and self.attempted_delivery is None:
            raise ValidationError(
                f"Rule 2: a notification with status {self.status} must have an attempted "
                "delivery date.",
                code="attempted_delivery_required",
            )
        if self.status != self.OPTED_OUT and self._user_is_opted_out():
            raise ValidationError(
                "Rule 3: the user has opted out of notifications; the notification cannot be "
                "saved.",
                code="user_opted_out",
            )

    def _user_is_opted_out(self) -> bool:
        from .opt_out import NotificationOptOut

        return NotificationOptOut.objects.filter(
            active=True, user__notification_target_user_records=self.target_user_record_id
        ).exists()

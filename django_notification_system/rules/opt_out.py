"""The core rules that belong to no capability: the 1.5.3 opt-out and an inactive record."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from ..models import Notification, NotificationOptOut, TargetUserRecord
from .base import Rule, RuleContext, Scope, Settle

OPTED_OUT_REASON = "The user opted out of notifications."
INACTIVE_REASON = "The target user record is inactive."


def _opted_out_users(user_pks: set, using: str) -> set:
    rows = NotificationOptOut.objects.using(using).filter(user_id__in=list(user_pks), active=True)
    return set(rows.values_list("user_id", flat=True))


class OptOut(Rule):
    """A user with an active :class:`~django_notification_system.models.NotificationOptOut`
    gets nothing: their rows are settled OPTED OUT.

    The dispatcher loads each row's ``user_opted_out`` with the batch (no query here); rows
    loaded without it (the digest flush's items) cost one query per batch.
    """

    name = "opt-out"
    skip_reason = "opted_out"
    checked_at_flush = True

    def decide(self, notifications: Sequence, context: RuleContext) -> dict:
        unknown = {
            n.target_user_record.user_id
            for n in notifications
            if "user_opted_out" not in n.__dict__
        }
        opted_out = _opted_out_users(unknown, context.using) if unknown else set()
        settled = Settle(Notification.OPTED_OUT, OPTED_OUT_REASON)
        return {
            n.pk: settled
            for n in notifications
            if n.__dict__.get("user_opted_out") or n.target_user_record.user_id in opted_out
        }

    def eligible(self, scope: Scope):
        opted_out = NotificationOptOut.objects.using(scope.using).filter(
            user=OuterRef(scope.user_ref), active=True
        )
        return ~Exists(opted_out)


class InactiveRecord(Rule):
    """A row whose target user record is inactive is settled INACTIVE DEVICE."""

    name = "inactive record"
    skip_reason = "no_active_record"

    def decide(self, notifications: Sequence, context: RuleContext) -> dict:
        settled = Settle(Notification.INACTIVE_DEVICE, INACTIVE_REASON)
        return {n.pk: settled for n in notifications if not n.target_user_record.active}

    def eligible(self, scope: Scope):
        if scope.record_ref is None:  # a user: has an active record on the channel
            records = TargetUserRecord.objects.using(scope.using).filter(
                user=OuterRef(scope.user_ref),
                active=True,
                target__notification_module_name=scope.channel,
            )
            return Exists(records)
        prefix = f"{scope.record_ref}__" if scope.record_ref else ""
        return ExpressionWrapper(Q(**{f"{prefix}active": True}), output_field=BooleanField())

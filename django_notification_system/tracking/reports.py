"""Apply what providers report after delivery: Expo receipts, Twilio status callbacks,
ESP tracking events.

A report never moves a notification backwards: each provider status has a rank
(in flight < delivered < final failure), and a report is applied only over a lower
rank, with a compare-and-set UPDATE on the value that was read. A repeated or
concurrent report therefore changes nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Notification, TargetUserRecord
from ..signals import provider_report_applied, send_robust

logger = logging.getLogger(__name__)


class Effect(str, Enum):
    """What a report does besides recording ``provider_status``."""

    RECORD = "record"  # only record the provider's status
    FAILED = "failed"  # DELIVERY FAILURE, error kept
    INACTIVE = "inactive"  # INACTIVE DEVICE, the address is deactivated
    OPTED_OUT = "opted_out"  # OPTED OUT, the address is deactivated
    DEACTIVATE = "deactivate"  # the address is deactivated, status unchanged (complaints)
    BOUNCED = "bounced"  # DELIVERY FAILURE, error kept, the address is deactivated


#: Rank of each provider status: a report is applied only over a lower rank.
PROVIDER_STATUS_RANK: dict[str, int] = {
    "": 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 1,
    "sending": 1,
    "sent": 1,
    "delivered": 2,
    "undelivered": 3,
    "failed": 3,
    "bounced": 3,
    "rejected": 3,
    "complained": 3,
    "expired": 3,
}

#: Where each effect leaves the notification's main status (None: unchanged).
_STATUS_FOR_EFFECT = {
    Effect.RECORD: None,
    Effect.DEACTIVATE: None,
    Effect.FAILED: Notification.DELIVERY_FAILURE,
    Effect.INACTIVE: Notification.INACTIVE_DEVICE,
    Effect.OPTED_OUT: Notification.OPTED_OUT,
    Effect.BOUNCED: Notification.DELIVERY_FAILURE,
}
_DEACTIVATING = (Effect.INACTIVE, Effect.OPTED_OUT, Effect.DEACTIVATE, Effect.BOUNCED)


@dataclass(frozen=True)
class ProviderReport:
    """One provider report about one sent message.

    ``provider_status`` must be a key of :data:`PROVIDER_STATUS_RANK`; ``error`` is
    kept in ``last_error`` when the effect changes the status.
    """

    provider_message_id: str
    provider_status: str
    effect: Effect = Effect.RECORD
    error: str = ""
    at: datetime | None = None

    def __post_init__(self) -> None:
        if self.provider_status not in PROVIDER_STATUS_RANK or not self.provider_status:
            raise ValueError(f"unknown provider status {self.provider_status!r}")
        if "\x00" in self.provider_message_id or "\x00" in self.error:
            # No database column can hold it (PostgreSQL refuses NUL in text): malformed.
            raise ValueError("malformed provider report: a NUL byte in the id or error")


def lower_ranked_statuses(provider_status: str) -> list[str]:
    """The provider statuses a report of ``provider_status`` may replace."""
    rank = PROVIDER_STATUS_RANK[provider_status]
    return [s for s, r in PROVIDER_STATUS_RANK.items() if r < rank]


def _changes(provider_status: str, effect: Effect, error: str, at: datetime) -> dict:
    changes = {"provider_status": provider_status, "provider_status_at": at, "modified_date": at}
    new_status = _STATUS_FOR_EFFECT[effect]
    if new_status is not None:
        changes.update(status=new_status, last_error=error[:2000])
    return changes


def _announce(notification_ids: list, provider_status: str, effect: Effect, error: str) -> None:
    logger.info(
        "provider report %s (%s) applied to %d notification(s)",
        provider_status,
        effect.value,
        len(notification_ids),
    )
    send_robust(
        provider_report_applied,
        Notification,
        notification_ids=notification_ids,
        provider_status=provider_status,
        effect=effect.value,
        error=error,
    )


def apply_report(report: ProviderReport, module_name: str) -> bool:
    """Apply one report to the notification of ``module_name`` with that provider id.

    Returns whether anything changed: ``False`` for an unknown id, a repeated report
    or one that would move the notification backwards.
    """
    if not report.provider_message_id:
        return False
    row = (
        Notification.objects.filter(
            provider_message_id=report.provider_message_id,
            target_user_record__target__notification_module_name=module_name,
            provider_status__in=lower_ranked_statuses(report.provider_status),
        )
        .values("pk", "provider_status", "target_user_record_id")
        .first()
    )
    if row is None:
        return False
    now = timezone.now()
    changes = _changes(report.provider_status, report.effect, report.error, report.at or now)
    with transaction.atomic():
        # Compare-and-set on the value read above: of two concurrent reports, one applies.
        applied = Notification.objects.filter(
            pk=row["pk"], provider_status=row["provider_status"]
        ).update(**changes)
        if applied and report.effect in _DEACTIVATING:
            TargetUserRecord.objects.filter(pk=row["target_user_record_id"]).update(
                active=False, modified_date=now
            )
        if applied:
            transaction.on_commit(
                lambda: _announce([row["pk"]], report.provider_status, report.effect, report.error)
            )
    return bool(applied)


def apply_claimed_reports(reports: Iterable[ProviderReport], claimed: Q) -> int:
    """Apply reports in bulk to rows the caller has claimed (``claimed`` selects them).

    One UPDATE per (status, effect, error) group, plus one per group whose addresses
    are deactivated; the Expo receipt checker applies up to 1,000 receipts this way.
    The rows are read before the transaction (they are claimed, nobody else writes
    them), so the transaction only writes: on SQLite a read-then-write transaction
    can fail with "database is locked" when another process writes at the same time.
    """
    groups: dict[tuple[str, Effect, str], list[str]] = {}
    for report in reports:
        key = (report.provider_status, report.effect, report.error[:2000])
        groups.setdefault(key, []).append(report.provider_message_id)
    planned = []
    for (provider_status, effect, error), ids in groups.items():
        pks = list(
            Notification.objects.filter(claimed, provider_message_id__in=ids).values_list(
                "pk", flat=True
            )
        )
        if pks:
            planned.append((pks, provider_status, effect, error))
    now = timezone.now()
    applied = 0
    with transaction.atomic():
        for pks, provider_status, effect, error in planned:
            if effect in _DEACTIVATING:
                TargetUserRecord.objects.filter(notifications__pk__in=pks).update(
                    active=False, modified_date=now
                )
            applied += Notification.objects.filter(pk__in=pks).update(
                **_changes(provider_status, effect, error, now)
            )
            transaction.on_commit(
                lambda pks=pks, s=provider_status, e=effect, err=error: _announce(pks, s, e, err)
            )
    return applied

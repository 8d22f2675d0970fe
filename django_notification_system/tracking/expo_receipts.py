"""Expo push receipts: what happened to push tickets after Expo accepted them.

``check_push_receipts()`` claims delivered Expo notifications whose tickets are at
least 15 minutes old and not yet checked, asks Expo for their receipts (at most 1,000
ids per request), and applies them: DeviceNotRegistered retires the device, other
errors are delivery failures, ``ok`` is recorded as delivered. Claims are exclusive
(a compare-and-set on ``provider_status``), so concurrent runs never apply a receipt
twice; a crashed run's claim expires after ten minutes.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from ..models import Notification
from ..notification_handlers import expo
from ..notification_handlers.errors import redacted_reason
from .reports import Effect, ProviderReport, apply_claimed_reports

logger = logging.getLogger(__name__)

#: Expo advises waiting before asking for receipts; they are kept for about a day.
CHECK_AFTER = timedelta(minutes=15)
RECEIPTS_KEPT_FOR = timedelta(hours=24)
CLAIM_EXPIRES_AFTER = timedelta(minutes=10)
MAX_IDS_PER_REQUEST = 1000
CLAIM_PREFIX = "checking:"

#: Receipt error -> effect; any other error is a delivery failure.
RECEIPT_ERRORS: dict[str, Effect] = {
    "DeviceNotRegistered": Effect.INACTIVE,
}


@dataclass
class ReceiptSummary:
    """Counts from one ``check_push_receipts`` run."""

    requests: int = 0
    #: Tickets claimed by this run; ``checked`` of them had their receipts asked for,
    #: ``released`` were handed back unchecked (the request failed).
    claimed: int = 0
    checked: int = 0
    released: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, key: str, number: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + number


def _unchecked(now: datetime) -> Q:
    stale_claim = Q(
        provider_status__startswith=CLAIM_PREFIX,
        provider_status_at__lt=now - CLAIM_EXPIRES_AFTER,
    )
    return Q(provider_status="") | stale_claim


def claim_tickets(now: datetime, size: int, skip: set | None = None) -> tuple[str, list[tuple]]:
    """Claim up to ``size`` tickets to check, none of ``skip`` (pks); returns marker and rows.

    When a concurrent run claimed the candidates first, the next candidates are tried, so
    a run stops only when nothing is left to check.
    """
    marker = CLAIM_PREFIX + uuid.uuid4().hex[:16]
    while True:
        candidates = list(
            Notification.objects.exclude(pk__in=skip or ())
            .filter(
                _unchecked(now),
                status=Notification.DELIVERED,
                target_user_record__target__notification_module_name=expo.CHANNEL,
                attempted_delivery__lte=now - CHECK_AFTER,
            )
            .exclude(provider_message_id="")
            .order_by("attempted_delivery")
            .values_list("pk", flat=True)[:size]
        )
        if not candidates:
            return marker, []
        claimed = Notification.objects.filter(_unchecked(now), pk__in=candidates).update(
            provider_status=marker, provider_status_at=now
        )
        if claimed:
            break
    rows = list(
        Notification.objects.filter(provider_status=marker).values_list(
            "pk", "provider_message_id", "attempted_delivery"
        )
    )
    return marker, rows


def report_for_receipt(ticket_id: str, receipt) -> ProviderReport:
    """The report one Expo ``PushReceipt`` stands for."""
    if receipt.is_success():
        return ProviderReport(ticket_id, "delivered")
    code = (receipt.details or {}).get("error") or "unknown"
    effect = RECEIPT_ERRORS.get(code, Effect.FAILED)
    return ProviderReport(ticket_id, "failed", effect, f"Expo receipt error {code}")


def _release(marker: str) -> int:
    return Notification.objects.filter(provider_status=marker).update(
        provider_status="", provider_status_at=None
    )


def _fetch_receipts(ticket_ids: list[str]) -> dict:
    """Receipts by ticket id, through the SDK (it sends at most 1,000 ids per request)."""
    sdk = expo.import_sdk()
    tickets = [
        sdk.PushTicket(push_message=None, status="ok", message="", details=None, id=ticket_id)
        for ticket_id in ticket_ids
    ]
    with expo.push_client() as client:
        return {receipt.id: receipt for receipt in client.check_receipts_multiple(tickets)}


def check_push_receipts(
    *, limit: int | None = None, now: datetime | None = None
) -> ReceiptSummary:
    """Check and apply the receipts of every due Expo ticket (at most ``limit``)."""
    summary = ReceiptSummary()
    now = now or timezone.now()
    seen: set = set()  # tickets whose receipt was not ready are not asked for twice in a run
    while limit is None or summary.claimed < limit:
        size = (
            MAX_IDS_PER_REQUEST
            if limit is None
            else min(MAX_IDS_PER_REQUEST, limit - summary.claimed)
        )
        marker, rows = claim_tickets(now, size, seen)
        if not rows:
            break
        seen.update(pk for pk, _, _ in rows)
        summary.claimed += len(rows)
        try:
            receipts = _fetch_receipts([ticket_id for _, ticket_id, _ in rows])
        except Exception as exc:  # network down, Expo unreachable, SDK missing: expected
            summary.released += _release(marker)
            logger.warning(
                "expo receipts: request for %d tickets failed (%s); claims released",
                len(rows),
                type(exc).__name__,
            )
            summary.errors.append(redacted_reason(exc))
            break
        summary.requests += 1
        summary.checked += len(rows)
        reports = []
        for _, ticket_id, attempted in rows:
            receipt = receipts.get(ticket_id)
            if receipt is not None:
                reports.append(report_for_receipt(ticket_id, receipt))
            elif attempted < now - RECEIPTS_KEPT_FOR:
                reports.append(ProviderReport(ticket_id, "expired"))
        apply_claimed_reports(reports, Q(provider_status=marker))
        for report in reports:
            summary.add(
                report.provider_status if report.effect is Effect.RECORD else report.effect.value
            )
        pending = _release(marker)
        if pending:
            summary.add("not ready", pending)
    return summary

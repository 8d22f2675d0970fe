"""Flush: turn the held items of each closed window into one digest notification.

A window closes ``window`` seconds after its oldest held item became due, or as soon as it
holds ``max_items`` items. Exactly once, with any number of workers:

1. **Claim** (one short transaction): closed windows are taken under a claim token and a
   lease, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a compare-and-set ``UPDATE`` on SQLite,
   so each window is flushed by one worker at a time; a crashed worker's claim runs out.
2. **Flush** (one short transaction per batch of windows, no network): the held items are read
   (and locked on PostgreSQL), the delivery rules that hold at flush time (the opt-out and
   preferences) are asked again (items now turned off are settled OPTED OUT), one digest
   notification per window is created, and the items are pointed at it by an ``UPDATE`` guarded
   by ``status=HELD, digest=NULL``. If any item changed meanwhile the whole transaction rolls
   back and nothing is half done. An item held after the items were read is not touched: it
   stays in the window for the next digest.
3. **Send**: the digest is an ordinary SCHEDULED notification, delivered (and retried) by the
   dispatcher like any other; its items take its final status (:func:`settle_carried_items`).

The number of queries per batch of windows is constant.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, router, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from ..dispatch.decisions import RuleContext
from ..dispatch.locking import retry_if_locked
from ..dispatch.record import per_row
from ..dispatch.rules_chain import RuleChain
from ..models import DigestWindow, Notification
from ..models.preference import HOURLY
from ..preferences import categories
from ..preferences.resolution import frequency_expression
from .config import DEFAULT_MAX_ITEMS, digest_configs
from .render import render_digest

logger = logging.getLogger(__name__)

#: Batches rolled back by a concurrent change after which a run stops flushing (next run).
MAX_CONFLICTS = 3
#: What a flush reads of a held item: what templates and the preference re-check use.
ITEM_FIELDS = (
    "title",
    "body",
    "extra",
    "category",
    "scheduled_delivery",
    "created_date",
    "max_retries",
    "retry_time_interval",
    "digest_window_id",
    "target_user_record__user_id",
    "target_user_record__target__notification_module_name",
)


class FlushConflict(Exception):
    """An item of the batch changed while it was being flushed: the batch is rolled back."""


@dataclass
class FlushSummary:
    """What a flush did: digests made, items they carry, items settled OPTED OUT."""

    digests: int = 0
    items: int = 0
    opted_out: int = 0
    windows: int = 0
    conflicts: int = 0
    failed_windows: dict[str, int] = field(default_factory=Counter)


def held_items() -> QuerySet:
    """Items waiting for a digest: HELD and not yet carried by one."""
    return Notification.objects.filter(status=Notification.HELD, digest__isnull=True)


def current_frequency():
    """SQL: the window's user's frequency for its (category, channel) now (see
    :func:`~django_notification_system.preferences.resolution.frequency_expression`)."""
    return frequency_expression(
        "target_user_record__user_id",
        "category",
        "target_user_record__target__notification_module_name",
    )


def closed_windows(now: datetime, targets: Sequence[str] | None = None) -> QuerySet:
    """Unclaimed (or lease-expired) windows whose digest is due at ``now``.

    A window a user's frequency held (``frequency`` set) is closed when its oldest held
    item is due (held items carry their digest's due time), when an hourly one holds
    ``max_items`` items (the category's, else 50), or at once when the user's frequency
    for it is no longer the one it was held under. Otherwise, a window of a digest's
    category and channel is closed when its oldest held item is ``window`` seconds old or
    when its ``max_items``-th oldest exists, and any other window (held by a throttle, or of
    a category that lost its digest option) closes when its oldest item is due: its items
    must not wait forever. Every test is an index search on (``digest_window``,
    ``scheduled_delivery``) per window, plus one preference lookup per frequency window.
    """
    configs = digest_configs()
    items = held_items().filter(digest_window=OuterRef("pk")).order_by("scheduled_delivery")
    times = items.values("scheduled_delivery")
    windows = DigestWindow.objects.alias(oldest=Subquery(times[:1]))
    channel = "target_user_record__target__notification_module_name"
    digested = Q(pk__in=[])
    for key, config in configs.items():
        digested |= Q(category=key, **{f"{channel}__in": list(config.channels)})
    by_digest = Q(oldest__lte=now) & ~digested
    at = DEFAULT_MAX_ITEMS - 1
    windows = windows.alias(last_default=Subquery(times[at : at + 1]))
    full_hourly = Q(last_default__isnull=False) & ~Q(category__in=list(configs))
    for number, (key, config) in enumerate(configs.items()):
        last = f"last_{number}"  # the max_items-th oldest held item, if there is one
        at = config.max_items - 1
        windows = windows.alias(**{last: Subquery(times[at : at + 1])})
        by_digest |= Q(category=key, **{f"{channel}__in": list(config.channels)}) & (
            Q(oldest__lte=now - timedelta(seconds=config.window)) | Q(**{f"{last}__isnull": False})
        )
        full_hourly |= Q(category=key, **{f"{last}__isnull": False})
    held_for_frequency = [key for key, c in categories().items() if not c.critical]
    windows = windows.alias(current=current_frequency())
    by_frequency = (
        Q(oldest__lte=now)
        | (Q(frequency=HOURLY) & full_hourly)
        | (
            Q(oldest__isnull=False)
            & (~Q(category__in=held_for_frequency) | ~Q(current=F("frequency")))
        )
    )
    closed = (Q(frequency__isnull=True) & by_digest) | (Q(frequency__isnull=False) & by_frequency)
    windows = windows.filter(closed).filter(
        Q(claim_token__isnull=True) | Q(lease_expires_at__lte=now)
    )
    if targets:
        windows = windows.filter(
            Q(target_user_record__target__name__in=targets)
            | Q(target_user_record__target__notification_module_name__in=targets)
        )
    return windows


def claim_windows(
    token: uuid.UUID, size: int, now: datetime, lease: timedelta, targets=None
) -> int:
    """Take up to ``size`` closed windows under ``token``; return how many were taken."""
    values = {"claim_token": token, "lease_expires_at": now + lease, "modified_date": now}
    candidates = closed_windows(now, targets).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        locked = candidates.select_for_update(skip_locked=True, of=("self",)).values("pk")
        with transaction.atomic():
            return DigestWindow.objects.filter(pk__in=locked[:size]).update(**values)

    def compare_and_set() -> int:
        # SQLite runs the whole statement under its write lock; the outer filter re-checks
        # that no other flush holds the window.
        return (
            DigestWindow.objects.filter(pk__in=candidates.values("pk")[:size])
            .filter(Q(claim_token__isnull=True) | Q(lease_expires_at__lte=now))
            .update(**values)
        )

    return retry_if_locked(compare_and_set)


def _lock(queryset: QuerySet) -> QuerySet:
    if connection.features.has_select_for_update:
        return queryset.select_for_update(of=("self",))
    return queryset


def _claimed_windows(token: uuid.UUID) -> list[DigestWindow]:
    windows = DigestWindow.objects.filter(claim_token=token).select_related(
        "target_user_record__user", "target_user_record__target"
    )
    return list(_lock(windows).order_by("pk"))


def _held_items_of(windows: list[DigestWindow]) -> list[Notification]:
    items = (
        held_items()
        .filter(digest_window__in=[w.pk for w in windows])
        .select_related("target_user_record__target")
        .only(*ITEM_FIELDS)
        .order_by("scheduled_delivery", "created_date", "pk")
    )
    return list(_lock(items))


@dataclass
class _Plan:
    """What one flush transaction writes."""

    digests: list[Notification] = field(default_factory=list)
    carried: list = field(default_factory=list)  # item pks
    opted_out: dict = field(default_factory=dict)  # item pk -> reason
    unrendered: list = field(default_factory=list)  # window pks kept claimed until the lease


def _new_digest(window: DigestWindow, items: list, title: str, body: str, now) -> Notification:
    first = items[0]
    return Notification(
        target_user_record_id=window.target_user_record_id,
        title=title,
        body=body,
        extra={"digest": {"category": window.category, "count": len(items)}},
        category=window.category,
        is_digest=True,
        digest_window_id=window.pk,
        status=Notification.SCHEDULED,
        scheduled_delivery=now,
        max_retries=first.max_retries,
        retry_time_interval=first.retry_time_interval,
    )


def turned_away(items: list, now: datetime) -> dict:
    """item pk -> reason, for the items a delivery rule checked at flush time (the opt-out,
    preferences: ``Rule.checked_at_flush``) would now settle; the rules' own reasons."""
    chain = RuleChain([r for r in RuleChain.load().rules if getattr(r, "checked_at_flush", False)])
    context = RuleContext(now=now, using=router.db_for_write(Notification))
    return {item.pk: decision.reason for item, decision in chain.decide(items, context)}


def _plan(windows: list[DigestWindow], items: list, now, summary: FlushSummary) -> _Plan:
    configs = digest_configs()
    declared = categories()
    plan = _Plan()
    plan.opted_out = turned_away(items, now) if items else {}
    by_window: dict = defaultdict(list)
    for item in items:
        if item.pk not in plan.opted_out:
            by_window[item.digest_window_id].append(item)
    for window in windows:
        config = configs.get(window.category)
        kept = by_window.get(window.pk, [])
        if window.frequency is None and config is not None:
            kept = kept[: config.max_items]
        elif window.frequency == HOURLY:
            kept = kept[: config.max_items if config is not None else DEFAULT_MAX_ITEMS]
        # A daily or weekly digest carries everything waiting: one message per period.
        if not kept:
            continue
        try:
            title, body = render_digest(window, kept, declared.get(window.category), config)
        except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
            logger.error(
                "digest of window %s not rendered (%s: %s); its %d items stay held",
                window.pk,
                type(exc).__name__,
                exc,
                len(kept),
            )
            summary.failed_windows[window.category] += 1
            plan.unrendered.append(window.pk)
            continue
        digest = _new_digest(window, kept, title, body, now)
        plan.digests.append(digest)
        plan.carried.extend(item.pk for item in kept)
    return plan


def _write(token: uuid.UUID, plan: _Plan, now: datetime) -> None:
    if plan.digests:
        Notification.objects.bulk_create(plan.digests)
    if plan.carried:
        # Each item gets the digest just made for its window: the one digest of that window
        # scheduled at this flush's ``now`` (a correlated lookup, not a CASE per digest).
        digest = Notification.objects.filter(
            is_digest=True, digest_window=OuterRef("digest_window"), scheduled_delivery=now
        ).values("pk")[:1]
        carried = held_items().filter(pk__in=plan.carried)
        if carried.update(digest=Subquery(digest), modified_date=now) != len(plan.carried):
            raise FlushConflict("an item changed while its digest was being made")
    if plan.opted_out:
        field_ = Notification._meta.get_field("last_error")
        settled = held_items().filter(pk__in=list(plan.opted_out))
        changed = settled.update(
            status=Notification.OPTED_OUT,
            last_error=per_row(field_, plan.opted_out),
            modified_date=now,
        )
        if changed != len(plan.opted_out):
            raise FlushConflict("an item changed while its window was being flushed")
    # A window whose digest could not be rendered keeps its claim until the lease runs out,
    # so that this run does not take it again at once.
    DigestWindow.objects.filter(claim_token=token).exclude(pk__in=plan.unrendered).update(
        claim_token=None, lease_expires_at=None, last_flushed_at=now, modified_date=now
    )


def flush_claimed(token: uuid.UUID, now: datetime, summary: FlushSummary) -> None:
    """Make the digests of the windows claimed under ``token``, in one transaction."""

    def flush() -> _Plan:
        with transaction.atomic():
            windows = _claimed_windows(token)
            items = _held_items_of(windows) if windows else []
            plan = _plan(windows, items, now, summary)
            _write(token, plan, now)
            return plan

    try:
        plan = retry_if_locked(flush)
    except FlushConflict as exc:
        # Nothing was written: hand the windows back so that the next claim retries them.
        logger.warning("%s; the batch is retried", exc)
        summary.conflicts += 1
        DigestWindow.objects.filter(claim_token=token).update(
            claim_token=None, lease_expires_at=None
        )
        return
    summary.digests += len(plan.digests)
    summary.items += len(plan.carried)
    summary.opted_out += len(plan.opted_out)


def flush_due_digests(
    *,
    batch_size: int,
    lease: timedelta,
    now: datetime,
    targets: Sequence[str] | None = None,
) -> FlushSummary:
    """Flush every closed window, ``batch_size`` windows per transaction; return the counts."""
    summary = FlushSummary()
    stamp = now
    while True:
        token = uuid.uuid4()
        taken = claim_windows(token, batch_size, now, lease, targets)
        if not taken or summary.conflicts > MAX_CONFLICTS:
            break
        summary.windows += taken
        # Each batch's digests are scheduled at a distinct instant, which links its items.
        stamp = max(timezone.now(), stamp + timedelta(microseconds=1))
        flush_claimed(token, stamp, summary)
    if summary.digests or summary.opted_out:
        logger.info(
            "made %d digests carrying %d items; %d held items settled OPTED OUT",
            summary.digests,
            summary.items,
            summary.opted_out,
        )
    return summary

"""What ``process_notifications`` calls: flush closed windows first, settle carried items last.

Both cost nothing (no query) while no category is declared, and one small query while
categories are declared but none has a ``digest`` or ``throttle`` option (users' frequency
preferences may still hold items).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

from django.utils import timezone

from ..models import DigestWindow
from ..preferences import categories
from .config import digest_configs
from .flush import flush_due_digests
from .settle import settle_carried_items
from .throttle import throttle_configs

#: Summary keys (the command prints them in lower case).
DIGESTS_MADE = "DIGESTS MADE"
ITEMS_SETTLED = "DIGEST ITEMS SETTLED"
ITEMS_OPTED_OUT = "OPTED OUT (at digest)"


def in_use() -> bool:
    """Whether held items may exist: a category has a digest or a throttle, or a digest
    window exists (a user's frequency held something)."""
    if not categories():
        return False
    return bool(digest_configs() or throttle_configs()) or DigestWindow.objects.exists()


def before_run(batch_size: int, lease: timedelta, targets: Sequence[str] | None) -> Counter:
    """Settle items of digests that ended, then make the digests of closed windows.

    Runs before the dispatcher fixes its ``due_before``, so the new digests go out in the
    same run.
    """
    if not in_use():
        return Counter()
    now = timezone.now()
    counts: Counter = Counter()
    counts[ITEMS_SETTLED] += settle_carried_items(now)
    flushed = flush_due_digests(batch_size=batch_size, lease=lease, now=now, targets=targets)
    counts[DIGESTS_MADE] += flushed.digests
    counts[ITEMS_OPTED_OUT] += flushed.opted_out
    return +counts


def after_run() -> Counter:
    """Give the items of the digests this run finished their digest's status."""
    if not in_use():
        return Counter()
    return +Counter({ITEMS_SETTLED: settle_carried_items(timezone.now())})
